import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaEngine } from '../../src/index.js';
import { goertzelPower } from '../../src/dsp/goertzel.js';
import { ToneGenerator } from '../../src/dsp/tone-generator.js';
import { WavReader } from '../../src/wav/wav-reader.js';
import { WavWriter } from '../../src/wav/wav-writer.js';
import { connect, receivedTone, recordFrames, testEngine, UDP_TRANSPORTS } from '../helpers/engines.js';
import { delay, waitFor } from '../helpers/ports.js';
import { UdpRelay } from '../helpers/udp-relay.js';

// Every case runs on both UDP transports: node:dgram and the native batched path.
for (const udp of UDP_TRANSPORTS) describe(`MediaSession media paths: relay, latching, files, in-band DTMF [udp: ${udp}]`, function () {
  this.timeout(20000);
  let ea: MediaEngine;
  let eb: MediaEngine;
  let dir: string;
  beforeEach(() => {
    ea = testEngine({ udp });
    eb = testEngine({ udp });
    dir = mkdtempSync(join(tmpdir(), 'rvoip-media-'));
  });
  afterEach(async () => {
    await ea.close();
    await eb.close();
    rmSync(dir, { recursive: true, force: true });
    expect(ea.ports.allocated + eb.ports.allocated).to.equal(0);
  });

  it('conceals loss and reorders through a lossy, reordering relay; stats show it', async () => {
    const a = await ea.createSession();
    const b = await eb.createSession();
    const offer = a.createOffer();
    const answer = b.createAnswer(offer);
    const relay = new UdpRelay({ address: '127.0.0.1', port: b.localPort }, { loss: 0.08, reorder: 0.1, duplicate: 0.02, seed: 3, direction: 'aToB' });
    try {
      const { portA, portB } = await relay.start();
      // Each side's SDP is rewritten to point at the relay, as a media proxy would.
      a.setRemoteAnswer(answer.replace(`m=audio ${b.localPort} `, `m=audio ${portA} `));
      b.createAnswer(offer.replace(`m=audio ${a.localPort} `, `m=audio ${portB} `));
      const rec = recordFrames(b);
      void a.playTone({ frequencies: [1000] }, 4000);
      void b.playTone({ frequencies: [600] }, 4000);
      expect(await receivedTone(rec, 8000, 100)).to.be.within(990, 1010);
      await waitFor('RTCP round trip', () => a.stats().rttMs !== undefined && a.stats().remote !== undefined, 10000);
      const sb = b.stats();
      expect(relay.counts.dropped).to.be.greaterThan(3);
      expect(sb.jitterBuffer.concealed).to.be.greaterThan(0);
      expect(sb.jitterBuffer.reordered).to.be.greaterThan(0);
      expect(sb.jitterBuffer.duplicates).to.be.greaterThan(0);
      expect(sb.packetsLost).to.be.greaterThan(0);
      expect(sb.mos).to.be.within(1, 4.4);
      expect(a.stats().remote!.packetsLost).to.be.greaterThan(0);
      expect(a.stats().rttMs).to.be.within(0, 1000);
      // Concealment keeps the stream continuous: one frame per tick, the tone audible.
      const tail = rec.pcm().subarray(-8000);
      expect(goertzelPower(tail, 8000, 1000)).to.be.greaterThan(50 * goertzelPower(tail, 8000, 1500));
    } finally {
      relay.close();
    }
  });

  it('recovers Opus losses through the relay (in-band FEC or PLC) and keeps the tone', async () => {
    const a = await ea.createSession({ codecs: ['opus'], frameRate: 48000 });
    const b = await eb.createSession({ codecs: ['opus'], frameRate: 48000 });
    const offer = a.createOffer();
    const answer = b.createAnswer(offer);
    const relay = new UdpRelay({ address: '127.0.0.1', port: b.localPort }, { loss: 0.1, reorder: 0.1, seed: 5, direction: 'aToB' });
    try {
      const { portA } = await relay.start();
      a.setRemoteAnswer(answer.replace(`m=audio ${b.localPort} `, `m=audio ${portA} `));
      const rec = recordFrames(b);
      void a.playTone({ frequencies: [1000] }, 4000);
      expect(await receivedTone(rec, 48000, 100)).to.be.within(990, 1010);
      expect(relay.counts.dropped).to.be.greaterThan(3);
      expect(b.stats().jitterBuffer.concealed).to.be.greaterThan(0);
    } finally {
      relay.close();
    }
  });

  for (const [codec, ptime, rate] of [['pcmu', 30, 8000], ['g722', 30, 16000], ['pcma', 10, 8000], ['g722', 60, 8000]] as const) {
    it(`honours a peer's ptime ${ptime} with ${codec}: it sends ${ptime} ms packets and we play them as 20 ms frames`, async () => {
      const a = await ea.createSession({ codecs: [codec], frameRate: rate });
      const b = await eb.createSession({ codecs: [codec], frameRate: rate });
      // A asks for ptime N (so B sends N ms packets); B's answer keeps 20 ms.
      a.setRemoteAnswer(b.createAnswer(a.createOffer().replace('a=ptime:20', `a=ptime:${ptime}`)));
      const recA = recordFrames(a);
      const recB = recordFrames(b);
      void a.playTone({ frequencies: [1000] }, 4000);
      void b.playTone({ frequencies: [600] }, 4000);
      expect(await receivedTone(recA, rate, 50)).to.be.within(590, 610);
      expect(await receivedTone(recB, rate, 50)).to.be.within(990, 1010);
      expect(recA.frames.every((f) => f.length === rate / 50)).to.equal(true);
      const sa = a.stats();
      const sb = b.stats();
      // B sent fewer, larger packets; A received them all in order.
      expect(sb.bytesSent / sb.packetsSent).to.equal(((codec === 'g722' ? 8000 : 8000) * ptime) / 1000);
      expect(sa.bytesSent / sa.packetsSent).to.equal(160);
      expect(sa.jitterBuffer.lost).to.equal(0);
    });
  }

  it('reports each DTMF digit once through a relay that duplicates, reorders and drops', async () => {
    const a = await ea.createSession();
    const b = await eb.createSession();
    const offer = a.createOffer();
    const answer = b.createAnswer(offer);
    const relay = new UdpRelay({ address: '127.0.0.1', port: b.localPort }, { loss: 0.1, reorder: 0.2, duplicate: 0.5, seed: 11, direction: 'aToB' });
    try {
      const { portA } = await relay.start();
      a.setRemoteAnswer(answer.replace(`m=audio ${b.localPort} `, `m=audio ${portA} `));
      const digits: string[] = [];
      b.on('dtmf', (e) => digits.push(e.digit));
      await a.sendDtmf('0123456789*#', { durationMs: 60, gapMs: 40 });
      await delay(300);
      expect(relay.counts.duplicated).to.be.greaterThan(5);
      expect(digits).to.deep.equal([...'0123456789*#']);
    } finally {
      relay.close();
    }
  });

  it('runs a call over IPv6 loopback with c=IN IP6', async () => {
    const e6a = testEngine({ udp, bindAddress: '::1' });
    const e6b = testEngine({ udp, bindAddress: '::1' });
    try {
      const a = await e6a.createSession();
      const b = await e6b.createSession();
      const offer = a.createOffer();
      expect(offer).to.match(/c=IN IP6 ::1\r\n/);
      a.setRemoteAnswer(b.createAnswer(offer));
      const rec = recordFrames(b);
      void a.playTone({ frequencies: [1100] }, 3000);
      expect(await receivedTone(rec, 8000)).to.be.within(1090, 1110);
      // An IPv4-only engine refuses an IPv6 offer (the signalling layer answers 488).
      const v4 = await ea.createSession();
      expect(() => v4.createAnswer(offer)).to.throw().with.property('code', 'RVOIP_ERR_SDP_ADDRESS_FAMILY');
    } finally {
      await e6a.close();
      await e6b.close();
    }
  });

  it('moves media to a new address on a re-INVITE (latch and connected socket reset)', async () => {
    const a = await ea.createSession();
    const b = await eb.createSession();
    connect(a, b);
    const recB = recordFrames(b);
    void a.playTone({ frequencies: [1000] }, 6000);
    void b.playTone({ frequencies: [300] }, 6000);
    expect(await receivedTone(recB, 8000)).to.be.within(990, 1010);
    await waitFor('A latched to B', () => a.rtp.latchedSource?.port === b.localPort);
    // The far end re-INVITEs from a different media port (a transfer, a media server).
    const b2 = await eb.createSession();
    const rec2 = recordFrames(b2);
    b2.setRemoteAnswer(a.createAnswer(b2.createOffer()));
    await b.close();
    expect(await receivedTone(rec2, 8000)).to.be.within(990, 1010);
    expect(a.rtp.latchedSource?.port ?? a.negotiated?.remotePort).to.equal(b2.localPort);
    expect(a.createOffer()).to.match(/o=rvoip \d+ 3 /);
  });

  it('latches to where media really comes from when the SDP address is wrong (symmetric RTP)', async () => {
    const a = await ea.createSession();
    const b = await eb.createSession();
    // A's offer lies about its port (a NAT would): B must reply to the packets' source.
    const offer = a.createOffer().replace(`m=audio ${a.localPort} `, `m=audio ${a.localPort === 9 ? 11 : 9} `);
    a.setRemoteAnswer(b.createAnswer(offer));
    const recA = recordFrames(a);
    void a.playTone({ frequencies: [500] }, 3000);
    void b.playTone({ frequencies: [900] }, 3000);
    expect(await receivedTone(recA, 8000)).to.be.within(890, 910);
    expect(b.rtp.latchedSource).to.deep.equal({ address: '127.0.0.1', port: a.localPort });
  });

  it('follows an SSRC change mid-stream (a new sender behind the same address)', async () => {
    const a = await ea.createSession();
    const b = await eb.createSession();
    connect(a, b);
    const changes: number[] = [];
    b.on('ssrc-change', (e) => changes.push(e.next));
    const rec = recordFrames(b);
    void a.playTone({ frequencies: [700] }, 3000);
    await waitFor('audio', () => rec.frames.length > 10);
    // Same socket, new SSRC: what a B2BUA does when it re-bridges the call.
    const next = a.rtp.rotateSsrc();
    await waitFor('SSRC change', () => changes.length === 1);
    expect(changes).to.deep.equal([next]);
    expect(await receivedTone(rec, 8000)).to.be.within(690, 710);
  });

  it('plays a 16 kHz WAV into an 8 kHz call and records both directions to a stereo WAV', async () => {
    const src = join(dir, 'prompt-16k.wav');
    const w = await WavWriter.create(src, { sampleRate: 16000 });
    w.write(new ToneGenerator(16000, { frequencies: [1200] }).next(16000));
    await w.close();
    const a = await ea.createSession();
    const b = await eb.createSession();
    connect(a, b);
    const recPath = join(dir, 'call.wav');
    const inPath = join(dir, 'in.wav');
    await b.startRecording(recPath, { direction: 'both' });
    const recA = recordFrames(a);
    await a.startRecording(inPath, { direction: 'in' });
    const recB = recordFrames(b);
    const played = a.playWav(src);
    void b.playTone({ frequencies: [400] }, 1500);
    expect(await receivedTone(recB, 8000)).to.be.within(1190, 1210);
    await played;
    await waitFor('B tone at A', () => recA.frames.length > 30);
    await delay(200);
    await b.stopRecording();
    await a.stopRecording();
    const both = WavReader.read(recPath);
    expect(both.channels).to.equal(2);
    expect(both.sampleRate).to.equal(8000);
    const left = new Int16Array(both.samples.length / 2).map((_, i) => both.samples[2 * i]);
    const right = new Int16Array(both.samples.length / 2).map((_, i) => both.samples[2 * i + 1]);
    expect(goertzelPower(left, 8000, 1200)).to.be.greaterThan(20 * goertzelPower(left, 8000, 400));
    expect(goertzelPower(right, 8000, 400)).to.be.greaterThan(20 * goertzelPower(right, 8000, 1200));
    const inOnly = WavReader.read(inPath);
    expect(inOnly.channels).to.equal(1);
    expect(goertzelPower(inOnly.samples, 8000, 400)).to.be.greaterThan(20 * goertzelPower(inOnly.samples, 8000, 1200));
  });

  it('detects in-band DTMF tones with Goertzel when asked to', async () => {
    const a = await ea.createSession({ frameRate: 16000 });
    const b = await eb.createSession({ detectInbandDtmf: true, frameRate: 16000, codecs: ['g722'] });
    connect(a, b);
    const digits: string[] = [];
    b.on('dtmf', (e) => {
      expect(e.source).to.equal('inband');
      digits.push(e.digit);
    });
    await a.playTone({ frequencies: [770, 1336] }, 200);
    await a.playFrames((() => {
      let n = 5;
      return () => (n-- > 0 ? new Int16Array(320) : undefined);
    })());
    await a.playTone({ frequencies: [941, 1477] }, 200);
    await waitFor('two in-band digits', () => digits.length >= 2);
    await delay(200);
    expect(digits).to.deep.equal(['5', '#']);
  });
});
