import { expect } from 'chai';
import dgram from 'node:dgram';
import { once } from 'node:events';
import type { MediaEngine, MediaSession } from '../../src/index.js';
import { createRtpHeaderFields, readRtpHeader } from '../../src/index.js';
import { testEngine, UDP_TRANSPORTS } from '../helpers/engines.js';
import { delay, waitFor } from '../helpers/ports.js';

interface Seen {
  pt: number;
  marker: boolean;
  seq: number;
  ts: number;
  ssrc: number;
  len: number;
  payload: Buffer;
}

/** A bare UDP peer that answers the engine's offer and records what arrives. */
async function rawPeer(a: MediaSession, codecLine: string): Promise<{ sock: dgram.Socket; seen: Seen[] }> {
  const sock = dgram.createSocket('udp4');
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  const seen: Seen[] = [];
  const h = createRtpHeaderFields();
  sock.on('message', (msg) => {
    if (msg[1] >= 192 && msg[1] <= 223) return;
    if (readRtpHeader(msg, h)) seen.push({ pt: h.payloadType, marker: h.marker, seq: h.sequenceNumber, ts: h.timestamp, ssrc: h.ssrc, len: h.payloadEnd - h.payloadOffset, payload: Buffer.from(msg.subarray(h.payloadOffset, h.payloadEnd)) });
  });
  a.createOffer();
  const port = sock.address().port;
  a.setRemoteAnswer(['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP ${codecLine.split(' ')[0]} 101`, `a=rtpmap:${codecLine}`, 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=rtcp-mux', ''].join('\r\n'));
  return { sock, seen };
}

// Every case runs on both UDP transports: node:dgram and the native batched path.
for (const udp of UDP_TRANSPORTS) describe(`RTP on the wire: sequence, timestamp, SSRC, marker, DTMF packets [udp: ${udp}]`, function () {
  this.timeout(20000);
  let ea: MediaEngine;
  beforeEach(() => {
    ea = testEngine({ udp, rtcp: { minIntervalSec: 60 } });
  });
  afterEach(async () => {
    await ea.close();
  });

  it('numbers packets consecutively, steps timestamps by 20 ms, marks talkspurt starts', async () => {
    const a = await ea.createSession({ codecs: ['pcma'] });
    const { sock, seen } = await rawPeer(a, '8 PCMA/8000');
    try {
      await a.playTone({ frequencies: [1000] }, 200);
      await waitFor('10 packets', () => seen.length >= 10);
      await delay(200);
      await a.playTone({ frequencies: [1000] }, 100);
      await waitFor('15 packets', () => seen.length >= 15);
      expect(seen.every((p) => p.pt === 8 && p.len === 160 && p.ssrc === seen[0].ssrc)).to.equal(true);
      for (let i = 1; i < seen.length; i++) expect(seen[i].seq).to.equal((seen[i - 1].seq + 1) & 0xffff);
      expect(seen.map((p) => p.marker)).to.deep.equal([true, ...Array(9).fill(false), true, false, false, false, false]);
      for (let i = 1; i < 10; i++) expect((seen[i].ts - seen[i - 1].ts) >>> 0).to.equal(160);
      // After the pause the timestamp jumps by about the silence, in whole 20 ms frames.
      const jump = (seen[10].ts - seen[9].ts) >>> 0;
      expect(jump % 160).to.equal(0);
      expect(jump).to.be.greaterThan(160 * 5);
    } finally {
      sock.close();
    }
  });

  it('sends RFC 4733 events with one timestamp per digit, growing durations and three end packets', async () => {
    const a = await ea.createSession({ codecs: ['pcmu'] });
    const { sock, seen } = await rawPeer(a, '0 PCMU/8000');
    try {
      await a.sendDtmf('5', { durationMs: 120 });
      await delay(100);
      const ev = seen.filter((p) => p.pt === 101);
      expect(ev.length).to.be.greaterThan(4);
      expect(new Set(ev.map((p) => p.ts)).size).to.equal(1);
      expect(ev[0].marker).to.equal(true);
      expect(ev.slice(1).every((p) => !p.marker)).to.equal(true);
      for (let i = 1; i < ev.length; i++) expect(ev[i].seq).to.equal((ev[i - 1].seq + 1) & 0xffff);
      expect(ev.every((p) => p.len === 4 && p.payload[0] === 5)).to.equal(true);
      const durations = ev.map((p) => p.payload.readUInt16BE(2));
      for (let i = 1; i < durations.length; i++) expect(durations[i]).to.be.at.least(durations[i - 1]);
      const ends = ev.filter((p) => p.payload[1] & 0x80);
      expect(ends).to.have.length(3);
      expect(ev.slice(-3)).to.deep.equal(ends);
      expect(ends.map((p) => p.payload.readUInt16BE(2))).to.deep.equal([960, 960, 960]);
    } finally {
      sock.close();
    }
  });
});
