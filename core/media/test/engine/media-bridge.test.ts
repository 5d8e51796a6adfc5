/**
 * A B2BUA in the middle: three engines, A <-> (b1 | b2) <-> C over real UDP, b1 and b2
 * bridged with MediaSession.bridgeTo. Same codec on both legs: A's payload bytes reach C
 * unchanged (PT remapped where the legs numbered it differently); different codecs: the
 * bridge transcodes. A transparent UDP relay in front of C shows exactly what b2 sends.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaEngine, MediaSession, MediaSessionOptions } from '../../src/index.js';
import { CodecRegistry, RTP_HEADER_SIZE, WavReader, g722, goertzelPower, opus, pcma, pcmu } from '../../src/index.js';
import { connect, receivedTone, recordFrames, testEngine, UDP_TRANSPORTS } from '../helpers/engines.js';
import { delay, waitFor } from '../helpers/ports.js';
import { onPath, rtpFramesMatching, rtpStreams, startCapture, stopCapture } from '../helpers/tshark.js';
import { UdpRelay } from '../helpers/udp-relay.js';

interface Seen {
  pt: number;
  seq: number;
  ts: number;
  ssrc: number;
  marker: boolean;
  payload: string;
}

function parse(buf: Buffer): Seen {
  return { pt: buf[1] & 0x7f, marker: (buf[1] & 0x80) !== 0, seq: buf.readUInt16BE(2), ts: buf.readUInt32BE(4), ssrc: buf.readUInt32BE(8), payload: buf.subarray(12).toString('hex') };
}

/** Payloads A hands to its RTP session, by payload type (G.711 audio comes encoded in place: sendBuilt). */
function tapSends(s: MediaSession): Array<{ pt: number; payload: string }> {
  const out: Array<{ pt: number; payload: string }> = [];
  const send = s.rtp.send.bind(s.rtp);
  s.rtp.send = (pt, payload, ts, marker) => {
    out.push({ pt, payload: payload.toString('hex') });
    send(pt, payload, ts, marker);
  };
  const sendBuilt = s.rtp.sendBuilt.bind(s.rtp);
  s.rtp.sendBuilt = (pt, packet, ts, marker) => {
    out.push({ pt, payload: packet.subarray(RTP_HEADER_SIZE).toString('hex') });
    sendBuilt(pt, packet, ts, marker);
  };
  return out;
}

// Every case runs on both UDP transports: node:dgram and the native batched path.
for (const udp of UDP_TRANSPORTS) describe(`MediaSession.bridgeTo: a B2BUA between two legs [udp: ${udp}]`, function () {
  this.timeout(30000);
  let ea: MediaEngine;
  let eb: MediaEngine;
  let ec: MediaEngine;
  let relay: UdpRelay | undefined;
  let dir: string;
  beforeEach(() => {
    // A long RTCP interval keeps RTCP out of the packet lists (it is muxed on the RTP port).
    ea = testEngine({ udp, rtcp: { minIntervalSec: 120 } });
    eb = testEngine({ udp, rtcp: { minIntervalSec: 120 } });
    // C numbers Opus 96 (A's leg uses 111) so the relay has to remap it.
    ec = testEngine({ udp, rtcp: { minIntervalSec: 120 }, codecRegistry: new CodecRegistry([pcmu, pcma, g722, { ...opus, payloadType: 96 }]) });
    dir = mkdtempSync(join(tmpdir(), 'rvoip-bridge-'));
  });
  afterEach(async () => {
    relay?.close();
    relay = undefined;
    await Promise.all([ea.close(), eb.close(), ec.close()]);
    rmSync(dir, { recursive: true, force: true });
    expect(ea.ports.allocated + eb.ports.allocated + ec.ports.allocated).to.equal(0);
  });

  /** A offers to b1; C offers to b2 (so C's payload type numbers win on that leg); b2 reaches C through a relay. */
  async function call(aOpts: MediaSessionOptions, cOpts: MediaSessionOptions, bOpts: MediaSessionOptions = {}) {
    const a = await ea.createSession(aOpts);
    const b1 = await eb.createSession(bOpts);
    const b2 = await eb.createSession(bOpts);
    const c = await ec.createSession(cOpts);
    connect(a, b1);
    relay = new UdpRelay({ address: '127.0.0.1', port: c.localPort });
    const { portA, portB } = await relay.start();
    const offer = c.createOffer();
    const answer = b2.createAnswer(offer.replace(`m=audio ${c.localPort} `, `m=audio ${portA} `));
    c.setRemoteAnswer(answer.replace(`m=audio ${b2.localPort} `, `m=audio ${portB} `));
    const atC: Seen[] = [];
    relay.sideA.on('message', (m: Buffer) => { if (!(m[1] >= 192 && m[1] <= 223)) atC.push(parse(m)); });
    return { a, b1, b2, c, atC, sentByA: tapSends(a) };
  }

  function expectContinuous(seen: Seen[], ssrc: number): void {
    expect(new Set(seen.map((s) => s.ssrc))).to.deep.equal(new Set([ssrc]));
    for (let i = 1; i < seen.length; i++) expect(seen[i].seq, `packet ${i}`).to.equal((seen[i - 1].seq + 1) & 0xffff);
  }

  const sameCodec: Array<[string, number, number, number]> = [['pcmu', 0, 0, 8000], ['g722', 9, 9, 16000], ['opus', 111, 96, 48000]];
  for (const [codec, ptA, ptC, rate] of sameCodec) {
    it(`${codec} on both legs: A's payload bytes reach C unchanged, PT ${ptA} -> ${ptC}, sequence continuous, DTMF once`, async () => {
      const { a, b1, b2, c, atC, sentByA } = await call({ codecs: [codec], frameRate: rate as 8000 }, { codecs: [codec], frameRate: rate as 8000, telephoneEvent: 100 }, { codecs: [codec] });
      const bridge = b1.bridgeTo(b2);
      expect(bridge.mode).to.equal('passthrough');
      const teA = a.negotiated!.telephoneEvent!.payloadType;
      const teC = c.negotiated!.telephoneEvent!.payloadType;
      expect(teC).to.equal(100);
      expect(teA).to.not.equal(teC);
      const digits: string[] = [];
      c.on('dtmf', (e) => digits.push(e.digit));
      const relayed: string[] = [];
      b2.on('dtmf-relayed', (e) => relayed.push(e.digit));
      const rec = recordFrames(c);
      await a.playTone({ frequencies: [1000] }, 1000);
      await a.sendDtmf('19#', { durationMs: 80, gapMs: 60 });
      await waitFor('every packet at C', () => atC.length === sentByA.length);
      await delay(300);
      const audioA = sentByA.filter((p) => p.pt === ptA);
      const audioC = atC.filter((p) => p.pt !== teC);
      expect(audioA.length).to.be.at.least(50);
      expect(audioC.map((p) => p.pt)).to.deep.equal(audioA.map(() => ptC));
      expect(audioC.map((p) => p.payload)).to.deep.equal(audioA.map((p) => p.payload));
      // Events too, byte for byte, under C's telephone-event number.
      expect(atC.filter((p) => p.pt === teC).map((p) => p.payload)).to.deep.equal(sentByA.filter((p) => p.pt === teA).map((p) => p.payload));
      expectContinuous(atC, b2.stats().ssrc);
      // b2's sender report counts what it relayed (RFC 3550 SR packet and octet counts).
      expect(b2.stats().packetsSent).to.equal(atC.length);
      expect(b2.stats().bytesSent).to.equal(atC.reduce((n, p) => n + p.payload.length / 2, 0));
      expect(digits).to.deep.equal(['1', '9', '#']);
      expect(relayed).to.deep.equal(['1', '9', '#']);
      expect(await receivedTone(rec, rate, 10)).to.be.within(rate === 8000 ? 990 : 985, 1015);
      expect(c.stats().packetsLost).to.equal(0);
      const st = bridge.stats();
      expect(st.forward.relayed).to.equal(audioA.length);
      expect(st.forward.droppedUnmapped + st.forward.droppedLocal).to.equal(0);
      // Nothing listens on b1, so nothing was decoded there.
      expect(b1.stats().jitterBuffer.played).to.equal(0);
      // RFC 3550 A.1: the first packet of a source is on probation and not counted.
      expect(b1.stats().packetsReceived).to.equal(sentByA.length - 1);
    });
  }

  it('tshark sees the C leg of a passthrough call as one stream without sequence errors or loss', async () => {
    if (!onPath('tshark')) expect.fail('tshark is not on PATH: install the Debian package "tshark" (CI does) to run this test');
    const { a, b1, b2, c, atC } = await call({ codecs: ['pcma'] }, { codecs: ['pcma'] });
    b1.bridgeTo(b2);
    const file = join(dir, 'c-leg.pcapng');
    const capture = await startCapture(c.localPort, file);
    await a.playTone({ frequencies: [1000] }, 600);
    await a.sendDtmf('5', { durationMs: 80 });
    // Our own announcement on the B2BUA leg in between: the stream must stay one sequence.
    await b2.playTone({ frequencies: [500] }, 200);
    await a.playTone({ frequencies: [1000] }, 400);
    await delay(300);
    await stopCapture(capture);
    const report = rtpStreams(file, c.localPort);
    const rows = report.split('\n').filter((l) => l.includes('0x'));
    expect(rows, report).to.have.length(1);
    // ... SSRC Payload(s) Pkts Lost (pct) ...; the payload column reads "g711A, rtpevent".
    const m = /0x[0-9A-F]+\s+(.+?)\s+(\d+)\s+(-?\d+) \(/.exec(rows[0]);
    expect(m, report).to.not.equal(null);
    expect(m![1], report).to.equal('g711A, rtpevent');
    expect(Number(m![2]), report).to.equal(atC.length);
    expect(m![3], report).to.equal('0');
    expect(rows[0], report).to.not.match(/\bX\s*$/);
    expect(rtpFramesMatching(file, c.localPort, '_ws.expert && rtp'), 'expert (sequence) warnings on the C leg').to.equal('');
    expectContinuous(atC, b2.stats().ssrc);
    expect(c.stats().packetsLost).to.equal(0);
  });

  it('re-bases when A changes its SSRC: C keeps one SSRC, a continuous sequence and forward timestamps', async () => {
    const { a, b1, b2, atC } = await call({ codecs: ['pcmu'] }, { codecs: ['pcmu'] });
    const bridge = b1.bridgeTo(b2);
    await a.playTone({ frequencies: [1000] }, 300);
    const before = atC.length;
    a.rtp.rotateSsrc();
    await a.playTone({ frequencies: [1000] }, 300);
    await waitFor('packets after the change', () => atC.length >= before + 15);
    expectContinuous(atC, b2.stats().ssrc);
    expect(atC[before].marker).to.equal(true);
    expect(((atC[before].ts - atC[before - 1].ts) | 0) > 0).to.equal(true);
    expect(b1.stats().ssrcChanges).to.equal(1);
    expect(bridge.stats().forward.rebases).to.equal(2);
  });

  it('holds relayed audio back while the outgoing leg is muted or plays its own audio', async () => {
    const { a, b1, b2, atC } = await call({ codecs: ['pcmu'] }, { codecs: ['pcmu'] });
    const bridge = b1.bridgeTo(b2);
    b2.muted = true;
    await a.playTone({ frequencies: [1000] }, 300);
    await delay(100);
    expect(atC).to.have.length(0);
    expect(bridge.stats().forward.droppedLocal).to.be.at.least(14);
    b2.muted = false;
    void a.playTone({ frequencies: [1000] }, 1000);
    await waitFor('relayed audio', () => atC.length >= 5);
    const own = b2.playTone({ frequencies: [500] }, 200);
    const during = bridge.stats().forward.droppedLocal;
    await own;
    await delay(300);
    expect(bridge.stats().forward.droppedLocal).to.be.greaterThan(during + 5);
    expectContinuous(atC, b2.stats().ssrc);
  });

  it('transcodes when the legs have no codec in common (PCMA caller, PCMU callee): C hears the tone, digits cross once', async () => {
    const { a, b1, b2, c, atC } = await call({ codecs: ['pcma'] }, { codecs: ['pcmu'] });
    const bridge = b1.bridgeTo(b2);
    expect(bridge.mode).to.equal('transcode');
    const digits: string[] = [];
    c.on('dtmf', (e) => digits.push(e.digit));
    const rec = recordFrames(c);
    void a.playTone({ frequencies: [1000] }, 3000);
    expect(await receivedTone(rec, 8000, 25)).to.be.within(990, 1010);
    expect(new Set(atC.map((p) => p.pt))).to.deep.equal(new Set([0]));
    await a.sendDtmf('7', { durationMs: 80 });
    await waitFor('the digit at C', () => digits.length > 0);
    await delay(500);
    expect(digits).to.deep.equal(['7']);
    expect(bridge.stats().forward.relayed).to.equal(0);
  });

  it('transcodes between legs whose a=ptime differ (relayed packets would keep the caller\'s packetisation)', async () => {
    const a = await ea.createSession({ codecs: ['pcmu'] });
    const b1 = await eb.createSession({ codecs: ['pcmu'] });
    const b2 = await eb.createSession({ codecs: ['pcmu'] });
    const c = await ec.createSession({ codecs: ['pcmu'] });
    connect(a, b1);
    b2.setRemoteAnswer(c.createAnswer(b2.createOffer()).replace('a=ptime:20', 'a=ptime:30'));
    expect(b2.negotiated!.remotePtime).to.equal(30);
    const bridge = b1.bridgeTo(b2);
    expect(bridge.mode).to.equal('transcode');
    // Renegotiating to the same ptime switches the running bridge to passthrough.
    b2.setRemoteAnswer(c.createAnswer(b2.createOffer()));
    expect(bridge.mode).to.equal('passthrough');
  });

  it('regenerates digits in-band for a leg without telephone-event', async () => {
    const { a, b1, b2, c } = await call({ codecs: ['pcmu'] }, { codecs: ['pcmu'], telephoneEvent: false, detectInbandDtmf: true });
    expect(b1.bridgeTo(b2).mode).to.equal('passthrough');
    const digits: string[] = [];
    c.on('dtmf', (e) => digits.push(`${e.digit}/${e.source}`));
    void a.playTone({ frequencies: [300] }, 1500);
    await delay(200);
    await a.sendDtmf('4', { durationMs: 100 });
    await waitFor('the digit at C', () => digits.length > 0);
    await delay(500);
    expect(digits).to.deep.equal(['4/inband']);
  });

  it('records an anchored passthrough call (PCM decoded only for the tap) and unbridges back to frame paths', async () => {
    const { a, b1, b2, c, atC, sentByA } = await call({ codecs: ['pcmu'] }, { codecs: ['pcmu'] });
    const bridge = b1.bridgeTo(b2);
    const path = join(dir, 'b1.wav');
    await b1.startRecording(path, { direction: 'both' });
    void a.playTone({ frequencies: [1000] }, 1200);
    void c.playTone({ frequencies: [600] }, 1200);
    await delay(1300);
    await b1.stopRecording();
    // Still passthrough: the bytes C got are A's.
    const audioA = sentByA.filter((p) => p.pt === 0).map((p) => p.payload);
    expect(atC.filter((p) => p.pt === 0).map((p) => p.payload)).to.deep.equal(audioA.slice(0, atC.filter((p) => p.pt === 0).length));
    const wav = WavReader.read(path);
    expect(wav.channels).to.equal(2);
    const left = new Int16Array(wav.samples.length / 2);
    const right = new Int16Array(wav.samples.length / 2);
    for (let i = 0; i < left.length; i++) {
      left[i] = wav.samples[2 * i];
      right[i] = wav.samples[2 * i + 1];
    }
    // In (left) is what A sends; out (right) is what b1 sends to A, i.e. C's audio.
    expect(goertzelPower(left, 8000, 1000)).to.be.greaterThan(20 * goertzelPower(left, 8000, 600));
    expect(goertzelPower(right, 8000, 600)).to.be.greaterThan(20 * goertzelPower(right, 8000, 1000));

    bridge.close();
    expect(b1.bridge).to.equal(undefined);
    const sentBefore = atC.length;
    const fromA = recordFrames(b1);
    void a.playTone({ frequencies: [800] }, 1500);
    void b2.playTone({ frequencies: [1200] }, 1000);
    expect(await receivedTone(fromA, 8000, 20)).to.be.within(790, 810);
    await waitFor('b2 own audio', () => atC.length > sentBefore + 20);
    expectContinuous(atC, b2.stats().ssrc);
  });
});
