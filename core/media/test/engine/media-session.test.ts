import { expect } from 'chai';
import type { MediaEngine } from '../../src/index.js';
import { goertzelPower } from '../../src/dsp/goertzel.js';
import { connect, receivedTone, recordFrames, testEngine, UDP_TRANSPORTS } from '../helpers/engines.js';
import { delay, waitFor } from '../helpers/ports.js';

// Every case runs on both UDP transports: node:dgram and the native batched path.
for (const udp of UDP_TRANSPORTS) describe(`MediaEngine: two engines over real UDP [udp: ${udp}]`, function () {
  this.timeout(20000);
  let ea: MediaEngine;
  let eb: MediaEngine;
  beforeEach(() => {
    ea = testEngine({ udp });
    eb = testEngine({ udp });
  });
  afterEach(async () => {
    await ea.close();
    await eb.close();
    expect(ea.ports.allocated).to.equal(0);
    expect(eb.ports.allocated).to.equal(0);
  });

  const cases: Array<[string, 8000 | 16000 | 48000]> = [['pcmu', 8000], ['pcma', 8000], ['g722', 16000], ['opus', 48000]];
  for (const [codec, rate] of cases) {
    it(`carries a tone with ${codec} at ${rate} Hz and the far side detects it (Goertzel)`, async () => {
      const a = await ea.createSession({ codecs: [codec], frameRate: rate });
      const b = await eb.createSession({ codecs: [codec], frameRate: rate });
      connect(a, b);
      expect(a.negotiated?.sendCodec.name.toLowerCase()).to.equal(codec);
      const rec = recordFrames(b);
      void a.playTone({ frequencies: [1000], amplitude: 8000 }, 3000);
      expect(await receivedTone(rec, rate)).to.be.within(990, 1010);
      const tail = rec.pcm().subarray(-rate / 5);
      expect(goertzelPower(tail, rate, 1000)).to.be.greaterThan(100 * goertzelPower(tail, rate, 1500));
      expect(b.stats().packetsReceived).to.be.greaterThan(20);
    });
  }

  it('interoperates across codec preferences: offerer prefers opus, answerer only PCMA', async () => {
    const a = await ea.createSession({ codecs: ['opus', 'pcma', 'pcmu'] });
    const b = await eb.createSession({ codecs: ['pcma'] });
    connect(a, b);
    expect(a.negotiated?.sendCodec).to.include({ name: 'PCMA', payloadType: 8 });
    const rec = recordFrames(b);
    void a.playTone({ frequencies: [700] }, 3000);
    expect(await receivedTone(rec, 8000)).to.be.within(690, 710);
  });

  it('delivers RFC 4733 DTMF digits exactly once each, in order', async () => {
    const a = await ea.createSession();
    const b = await eb.createSession();
    connect(a, b);
    const digits: string[] = [];
    b.on('dtmf', (e) => {
      expect(e.source).to.equal('rfc4733');
      digits.push(e.digit);
    });
    const ends: number[] = [];
    b.on('dtmf-end', (e) => ends.push(e.durationMs!));
    await a.sendDtmf('19*#', { durationMs: 80 });
    await waitFor('four digits', () => digits.length >= 4 && ends.length >= 4);
    await delay(200);
    expect(digits).to.deep.equal(['1', '9', '*', '#']);
    expect(ends).to.deep.equal([80, 80, 80, 80]);
  });

  it('falls back to in-band DTMF tones when the peer did not negotiate telephone-event', async () => {
    const a = await ea.createSession();
    const b = await eb.createSession({ telephoneEvent: false, detectInbandDtmf: true });
    connect(a, b);
    expect(a.negotiated?.telephoneEvent).to.equal(undefined);
    const digits: string[] = [];
    b.on('dtmf', (e) => {
      expect(e.source).to.equal('inband');
      digits.push(e.digit);
    });
    await a.sendDtmf('47');
    await waitFor('two in-band digits', () => digits.length >= 2);
    expect(digits).to.deep.equal(['4', '7']);
    await a.sendDtmf('1', { mode: 'rfc4733' }).then(() => expect.fail('sent'), (err) => expect(err.code).to.equal('RVOIP_ERR_MEDIA_SESSION_DTMF_NOT_NEGOTIATED'));
    await a.sendDtmf('x').then(() => expect.fail('sent'), (err) => expect(err.code).to.match(/^RVOIP_ERR_MEDIA_/));
  });

  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
    it(`runs SRTP ${suite} both ways`, async () => {
      const a = await ea.createSession({ srtp: { mode: 'required', suites: [suite] } });
      const b = await eb.createSession({ srtp: { mode: 'required', suites: [suite] } });
      const offer = a.createOffer();
      expect(offer).to.include('RTP/SAVP').and.include(suite);
      a.setRemoteAnswer(b.createAnswer(offer));
      const recA = recordFrames(a);
      const recB = recordFrames(b);
      void a.playTone({ frequencies: [800] }, 3000);
      void b.playTone({ frequencies: [1200] }, 3000);
      expect(await receivedTone(recB, 8000)).to.be.within(790, 810);
      expect(await receivedTone(recA, 8000)).to.be.within(1190, 1210);
      await waitFor('SRTCP reports', () => a.stats().rtcpReceived > 0 && b.stats().rtcpReceived > 0);
      expect(a.stats().dropped.auth).to.equal(0);
      expect(b.stats().dropped.auth).to.equal(0);
    });
  }

  it('keeps SRTP keys and transforms across a re-INVITE (rollover state survives session refreshes)', async () => {
    const a = await ea.createSession({ srtp: { mode: 'required' } });
    const b = await eb.createSession({ srtp: { mode: 'required' } });
    const answer1 = b.createAnswer(a.createOffer());
    a.setRemoteAnswer(answer1);
    const [ta, tb] = [a.rtp.srtp, b.rtp.srtp];
    const answer2 = b.createAnswer(a.createOffer());
    a.setRemoteAnswer(answer2);
    const key = (sdp: string): string => /inline:(\S+)/.exec(sdp)![1];
    expect(key(answer2)).to.equal(key(answer1));
    expect(a.rtp.srtp).to.equal(ta);
    expect(b.rtp.srtp).to.equal(tb);
    const rec = recordFrames(b);
    void a.playTone({ frequencies: [800] }, 3000);
    expect(await receivedTone(rec, 8000)).to.be.within(790, 810);
  });

  it('yields no audio when the SRTP key is wrong', async () => {
    const a = await ea.createSession({ srtp: { mode: 'required', suites: ['AES_CM_128_HMAC_SHA1_80'] } });
    const b = await eb.createSession({ srtp: { mode: 'required', suites: ['AES_CM_128_HMAC_SHA1_80'] } });
    // Corrupt the offerer's key on the way: B decrypts A's packets with the wrong key.
    const offer = a.createOffer().replace(/inline:(.)/, (_m, c: string) => `inline:${c === 'A' ? 'B' : 'A'}`);
    a.setRemoteAnswer(b.createAnswer(offer));
    const rec = recordFrames(b);
    void a.playTone({ frequencies: [800] }, 3000);
    await waitFor('auth failures', () => b.stats().dropped.auth > 20);
    expect(rec.frames.length).to.equal(0);
    expect(b.stats().packetsReceived).to.equal(0);
  });

  it('puts a call on hold with a=sendonly and resumes it', async () => {
    const a = await ea.createSession();
    const b = await eb.createSession();
    connect(a, b);
    const holdOffer = a.hold();
    expect(holdOffer).to.match(/a=sendonly/);
    expect(holdOffer).to.match(/o=rvoip \d+ 2 /);
    const holdAnswer = b.createAnswer(holdOffer);
    expect(holdAnswer).to.match(/a=recvonly/);
    a.setRemoteAnswer(holdAnswer);
    expect(a.negotiated?.direction).to.equal('sendonly');
    expect(b.negotiated?.direction).to.equal('recvonly');
    void b.playTone({ frequencies: [500] }, 200);
    await delay(300);
    expect(b.stats().packetsSent).to.equal(0);
    a.setRemoteAnswer(b.createAnswer(a.resume()));
    expect(b.negotiated?.direction).to.equal('sendrecv');
    await b.playTone({ frequencies: [500] }, 100);
    expect(b.stats().packetsSent).to.be.greaterThan(0);
  });

  it('answers legacy c=0.0.0.0 hold with recvonly and stops sending', async () => {
    const a = await ea.createSession();
    const b = await eb.createSession();
    connect(a, b);
    const offer = a.hold({ legacy: true });
    expect(offer).to.match(/c=IN IP4 0\.0\.0\.0/);
    b.createAnswer(offer);
    expect(b.negotiated?.direction).to.equal('recvonly');
  });

  it('closes every socket and returns every port when sessions and engines close', async () => {
    const sessions = await Promise.all([ea.createSession(), ea.createSession(), ea.createSession()]);
    expect(ea.ports.allocated).to.equal(3);
    await sessions[0].close();
    await sessions[0].close();
    expect(ea.ports.allocated).to.equal(2);
    expect(() => sessions[0].createOffer()).to.throw().with.property('code', 'RVOIP_ERR_MEDIA_SESSION_CLOSED');
    await ea.close();
    expect(ea.ports.allocated).to.equal(0);
    expect(ea.sessionCount).to.equal(0);
    await ea.createSession().then(() => expect.fail('created'), (err) => expect(err.code).to.equal('RVOIP_ERR_MEDIA_SESSION_ENGINE_CLOSED'));
  });

  it('fans frames out to every reader; leaving one loop does not end the others or later ones', async () => {
    const a = await ea.createSession();
    const b = await eb.createSession();
    connect(a, b);
    void a.playTone({ frequencies: [1000] }, 5000);
    const first = recordFrames(b);
    let brief = 0;
    for await (const _f of b.frames()) if (++brief === 5) break;
    expect(first.frames.length).to.be.at.least(4);
    const later = recordFrames(b);
    await waitFor('frames for a later reader', () => later.frames.length >= 5);
    expect(await receivedTone(first, 8000)).to.be.within(990, 1010);
    await b.close();
    let afterClose = 0;
    for await (const _f of b.frames()) afterClose++;
    expect(afterClose).to.equal(0);
  });

  it('hands every frame to onFrame listeners, the same objects frames() readers get, kept intact', async () => {
    const a = await ea.createSession();
    const b = await eb.createSession();
    connect(a, b);
    void a.playTone({ frequencies: [1000] }, 5000);
    const viaIterator = recordFrames(b);
    const kept: Int16Array[] = [];
    const copies: Int16Array[] = [];
    let throwing = 0;
    b.onFrame(() => {
      throwing++;
      throw new Error('a broken listener must not stop the others');
    });
    const stop = b.onFrame((f) => {
      kept.push(f);
      copies.push(f.slice());
    });
    await waitFor('40 frames through onFrame', () => kept.length >= 40);
    stop();
    const count = kept.length;
    await delay(200);
    expect(kept.length).to.equal(count);
    expect(throwing).to.be.greaterThan(count);
    // Frames are never reused: what a listener kept still holds what it was handed.
    kept.forEach((f, i) => expect([...f]).to.deep.equal([...copies[i]!]));
    const shared = kept.filter((f) => viaIterator.frames.includes(f)).length;
    expect(shared).to.be.at.least(count - 2);
    expect(goertzelPower(kept[count - 1]!, 8000, 1000)).to.be.greaterThan(100 * goertzelPower(kept[count - 1]!, 8000, 1500));
    await b.close();
    expect(() => b.onFrame(() => undefined)).to.throw(/closed/);
  });

  it('sends RTCP BYE on close and the peer reports it', async () => {
    const a = await ea.createSession();
    const b = await eb.createSession();
    connect(a, b);
    const byes: number[] = [];
    b.on('bye', (e) => byes.push(e.ssrc));
    await a.playTone({ frequencies: [500] }, 100);
    await a.close();
    await waitFor('BYE at B', () => byes.length === 1);
    expect(byes).to.deep.equal([a.rtp.ssrc]);
  });

  it('returns the ports when a session cannot be constructed', async () => {
    await ea.createSession({ frameRate: 11025 as 8000 }).then(() => expect.fail('created'), (err) => expect(err.code).to.equal('RVOIP_ERR_MEDIA_SESSION_FRAME_RATE'));
    await ea.createSession({ codecs: ['g729'] }).then(() => expect.fail('created'), (err) => expect(err.code).to.equal('RVOIP_ERR_MEDIA_CODEC_UNKNOWN'));
    expect(ea.ports.allocated).to.equal(0);
    expect(ea.sessionCount).to.equal(0);
  });

  it('fails createSession cleanly when the port range is exhausted', async () => {
    const small = testEngine({ udp, rtpPortRange: [ea.ports.min, ea.ports.min + 3] });
    const s1 = await small.createSession();
    const s2 = await small.createSession();
    await small.createSession().then(() => expect.fail('created'), (err) => expect(err.code).to.equal('RVOIP_ERR_RTP_PORTS_EXHAUSTED'));
    await s1.close();
    const s3 = await small.createSession();
    expect(s3.localPort).to.equal(s1.localPort);
    await s2.close();
    await small.close();
    expect(small.ports.allocated).to.equal(0);
  });
});
