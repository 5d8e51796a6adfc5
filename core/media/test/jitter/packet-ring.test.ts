import { expect } from 'chai';
import { MAX_SLOT_BYTES, PacketRing } from '../../src/jitter/packet-ring.js';
import { JitterBuffer } from '../../src/jitter/jitter-buffer.js';

const bytes = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);

describe('PacketRing (pooled jitter-buffer storage)', () => {
  it('copies a payload in, so the caller may reuse its datagram at once', () => {
    const ring = new PacketRing(16);
    const datagram = Buffer.concat([bytes(12, 0xee), bytes(160, 7)]);
    ring.putCopy(100, 8000, datagram, 12, datagram.length, 0);
    datagram.fill(9);
    const out = ring.take(100)!;
    expect(out.length).to.equal(160);
    expect([...out].every((b) => b === 7)).to.equal(true);
    expect(ring.count).to.equal(0);
  });

  it('keeps a taken payload intact until its slot is written again', () => {
    const ring = new PacketRing(16);
    ring.putCopy(1, 0, bytes(160, 1), 0, 160, 0);
    const taken = ring.take(1)!;
    // Every other slot filled and emptied: the released slot is the only one not touched.
    for (let ext = 2; ext < 17; ext++) ring.putCopy(ext, 0, bytes(160, 0xff), 0, 160, 0);
    expect([...taken].every((b) => b === 1)).to.equal(true);
    // Only a packet mapping to the same slot (a whole ring later) rewrites those bytes.
    ring.putCopy(17, 0, bytes(160, 2), 0, 160, 0);
    expect(taken[0]).to.equal(2);
  });

  it('never rewrites a slot while its packet is held: the jitter buffer evicts it first, as overflow', () => {
    const jb = new JitterBuffer({ clockRate: 8000 });
    const size = new PacketRing(Math.ceil((2 * 400) / 20) + 16).size;
    jb.pushCopy(10, 0, bytes(160, 1), 0, 160, 0, 0);
    jb.pushCopy(10 + size, size * 160, bytes(160, 2), 0, 160, 0, 0);
    expect(jb.stats.overflow).to.equal(1);
    // An old packet whose slot holds a newer one is not stored over it either.
    jb.pushCopy(10, 0, bytes(160, 3), 0, 160, 0, 0);
    expect(jb.stats.overflow).to.equal(2);
  });

  it('moves held payloads when a larger one needs bigger slots', () => {
    const ring = new PacketRing(16);
    ring.putCopy(5, 0, bytes(160, 5), 0, 160, 0);
    ring.putCopy(6, 0, bytes(480, 6), 0, 480, 8);
    expect([...ring.take(5)!]).to.deep.equal([...bytes(160, 5)]);
    const six = ring.take(6)!;
    expect(six.length).to.equal(480);
    expect([...six].every((b) => b === 6)).to.equal(true);
  });

  it('keeps payloads larger than a slot in their own copy', () => {
    const ring = new PacketRing(16);
    const big = bytes(MAX_SLOT_BYTES + 100, 4);
    ring.putCopy(3, 0, big, 0, big.length, 0);
    big.fill(0);
    const out = ring.take(3)!;
    expect(out.length).to.equal(MAX_SLOT_BYTES + 100);
    expect(out[0]).to.equal(4);
  });

  it('hands back a Buffer given by reference as that same Buffer', () => {
    const jb = new JitterBuffer({ clockRate: 8000, initialDelayMs: 40 });
    const payloads = Array.from({ length: 4 }, (_, i) => bytes(160, i));
    payloads.forEach((p, i) => jb.push({ seq: i, timestamp: i * 160, payload: p, arrivalMs: i * 20 }));
    const out = jb.pop(100);
    expect(out.kind).to.equal('frame');
    if (out.kind === 'frame') {
      expect(out.payload).to.equal(payloads[0]);
      expect(out.payloadType).to.equal(undefined);
    }
  });

  it('plays copied payloads in order with their payload type, and offers the next one for FEC', () => {
    const jb = new JitterBuffer({ clockRate: 8000, initialDelayMs: 40 });
    for (const seq of [0, 1, 3, 4]) jb.pushCopy(seq, seq * 160, bytes(160, seq), 0, 160, seq * 20, seq === 4 ? 8 : 0);
    const outs = [jb.pop(100), jb.pop(120), jb.pop(140)];
    expect(outs.map((o) => o.kind)).to.deep.equal(['frame', 'frame', 'conceal']);
    const [first, , gap] = outs;
    if (first!.kind === 'frame') expect(first!.payloadType).to.equal(0);
    if (gap!.kind === 'conceal') {
      expect(gap!.next?.[0]).to.equal(3);
      expect(gap!.nextPayloadType).to.equal(0);
    }
    const last = [jb.pop(160), jb.pop(180)].find((o) => o.kind === 'frame' && o.payload[0] === 4);
    expect(last && last.kind === 'frame' ? last.payloadType : -1).to.equal(8);
  });
});
