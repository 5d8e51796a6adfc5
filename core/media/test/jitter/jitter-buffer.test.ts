import { expect } from 'chai';
import { JitterBuffer } from '../../src/jitter/jitter-buffer.js';
import type { JitterOutput } from '../../src/jitter/jitter-buffer.js';

/** Deterministic PRNG (mulberry32) so "random" jitter is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Sent {
  seq: number;
  timestamp: number;
  arrivalMs: number;
}

/** 20 ms G.711 packets: seq from `seq0`, timestamp step 160, sent every `periodMs` of sender time. */
function stream(count: number, opts: { seq0?: number; periodMs?: number; delay?: (i: number) => number } = {}): Sent[] {
  const out: Sent[] = [];
  for (let i = 0; i < count; i++) {
    const sentAt = i * (opts.periodMs ?? 20);
    out.push({ seq: ((opts.seq0 ?? 1000) + i) & 0xffff, timestamp: (5000 + i * 160) >>> 0, arrivalMs: sentAt + 40 + (opts.delay ? opts.delay(i) : 0) });
  }
  return out;
}

/** Runs the receiver: pushes packets as they arrive, pops every 20 ms of receiver time. */
function run(jb: JitterBuffer, packets: Sent[], untilMs: number): JitterOutput[] {
  const queue = [...packets].sort((a, b) => a.arrivalMs - b.arrivalMs);
  const outputs: JitterOutput[] = [];
  let q = 0;
  for (let now = 0; now <= untilMs; now += 20) {
    while (q < queue.length && queue[q].arrivalMs <= now) {
      const p = queue[q++];
      jb.push({ seq: p.seq, timestamp: p.timestamp, payload: Buffer.from([p.seq & 0xff, p.seq >> 8]), arrivalMs: p.arrivalMs });
    }
    outputs.push(jb.pop(now));
  }
  return outputs;
}

const seqOf = (o: JitterOutput): number | string => (o.kind === 'frame' ? o.payload[0] | (o.payload[1] << 8) : o.kind);
const frames = (outs: JitterOutput[]): number[] => outs.filter((o) => o.kind === 'frame').map((o) => seqOf(o) as number);

describe('JitterBuffer', () => {
  it('plays an in-order stream in order after the initial delay, with nothing concealed', () => {
    const jb = new JitterBuffer({ clockRate: 8000 });
    const outs = run(jb, stream(100), 2600);
    expect(frames(outs)).to.deep.equal(Array.from({ length: 100 }, (_, i) => 1000 + i));
    const firstFrame = outs.findIndex((o) => o.kind === 'frame');
    const lastFrame = outs.map((o) => o.kind).lastIndexOf('frame');
    expect(outs.slice(firstFrame, lastFrame + 1).every((o) => o.kind === 'frame')).to.equal(true);
    expect(outs.slice(0, firstFrame).every((o) => o.kind === 'empty')).to.equal(true);
    // After the last packet the buffer conceals until the idle timeout, then reports empty.
    expect(jb.stats).to.include({ received: 100, played: 100, lost: 0, late: 0, stretched: 0, dropped: 0 });
    expect(jb.stats.concealed).to.equal(jb.stats.underruns);
    expect(outs.at(-1)?.kind).to.equal('empty');
  });

  it('reorders packets that arrive out of order', () => {
    const pkts = stream(50, { delay: (i) => (i % 2 === 0 ? 25 : 0) }); // every even packet overtaken
    const jb = new JitterBuffer({ clockRate: 8000 });
    const outs = run(jb, pkts, 1500);
    expect(frames(outs)).to.deep.equal(Array.from({ length: 50 }, (_, i) => 1000 + i));
    expect(jb.stats.reordered).to.be.greaterThan(20);
    expect(jb.stats.lost).to.equal(0);
  });

  it('conceals exactly the lost frames, in their place', () => {
    const pkts = stream(60).filter((p) => p.seq !== 1020 && p.seq !== 1021 && p.seq !== 1040);
    const jb = new JitterBuffer({ clockRate: 8000 });
    const outs = run(jb, pkts, 1600);
    const seq = outs.map(seqOf).filter((s) => s !== 'empty');
    expect(seq.slice(18, 24)).to.deep.equal([1018, 1019, 'conceal', 'conceal', 1022, 1023]);
    expect(seq[40]).to.equal('conceal');
    expect(jb.stats.lost).to.equal(3);
    const conceal = outs.find((o) => o.kind === 'conceal');
    expect(conceal).to.deep.equal({ kind: 'conceal', timestamp: 5000 + 20 * 160 });
  });

  it('drops duplicates and counts them', () => {
    const pkts = stream(30);
    const dup = pkts.slice(5, 10).map((p) => ({ ...p, arrivalMs: p.arrivalMs + 5 }));
    const jb = new JitterBuffer({ clockRate: 8000 });
    const outs = run(jb, [...pkts, ...dup], 900);
    expect(frames(outs)).to.deep.equal(Array.from({ length: 30 }, (_, i) => 1000 + i));
    expect(jb.stats.duplicates).to.equal(5);
  });

  it('discards a packet that arrives after its playout time as late (after concealing it)', () => {
    const pkts = stream(40, { delay: (i) => (i === 20 ? 300 : 0) });
    const jb = new JitterBuffer({ clockRate: 8000, maxDelayMs: 100 });
    const outs = run(jb, pkts, 1200);
    expect(frames(outs)).to.not.include(1020);
    expect(jb.stats.late).to.equal(1);
    expect(jb.stats.lost).to.equal(1);
  });

  it('follows the sequence number across the 16-bit wrap', () => {
    const jb = new JitterBuffer({ clockRate: 8000 });
    const outs = run(jb, stream(20, { seq0: 65530 }), 700);
    const expected = Array.from({ length: 20 }, (_, i) => (65530 + i) & 0xffff);
    expect(outs.filter((o) => o.kind === 'frame').map((o) => (o.kind === 'frame' ? o.payload.readUInt16LE(0) : -1))).to.deep.equal(expected);
    expect(jb.stats.lost).to.equal(0);
  });

  it('raises the target delay under heavy jitter and keeps late losses rare', () => {
    const rnd = prng(7);
    const pkts = stream(1000, { delay: () => rnd() * 120 });
    const jb = new JitterBuffer({ clockRate: 8000, initialDelayMs: 40 });
    run(jb, pkts, 21000);
    const st = jb.stats;
    expect(st.targetDelayMs).to.be.within(100, 150);
    expect(st.late + st.lost).to.be.lessThan(30); // < 3% despite 120 ms of jitter
    expect(st.played).to.be.greaterThan(960);
  });

  it('settles at a low delay when the network is steady', () => {
    const rnd = prng(3);
    const jb = new JitterBuffer({ clockRate: 8000, initialDelayMs: 120 });
    run(jb, stream(500, { delay: () => rnd() * 4 }), 10500);
    expect(jb.stats.targetDelayMs).to.equal(40); // the default floor: two frames
    expect(jb.stats.currentDelayMs).to.be.at.most(80);
    expect(jb.stats.dropped).to.be.greaterThan(0); // shrank from the 120 ms start
  });

  it('tracks a sender clock 1% fast by dropping frames, keeping the delay bounded', () => {
    const jb = new JitterBuffer({ clockRate: 8000 });
    const outs = run(jb, stream(3000, { periodMs: 19.8 }), 59400);
    const st = jb.stats;
    expect(st.dropped).to.be.within(20, 40); // 1% of 3000 frames
    expect(st.currentDelayMs).to.be.at.most(st.targetDelayMs + 60);
    expect(st.late).to.equal(0);
    const f = frames(outs);
    for (let i = 1; i < f.length; i++) expect(f[i]).to.be.greaterThan(f[i - 1]);
  });

  it('tracks a sender clock 1% slow by stretching, never discarding audio', () => {
    const jb = new JitterBuffer({ clockRate: 8000 });
    const outs = run(jb, stream(3000, { periodMs: 20.2 }), 60700);
    const st = jb.stats;
    expect(st.played).to.equal(3000);
    expect(st.late + st.lost + st.dropped).to.equal(0);
    expect(st.underruns + st.stretched).to.be.within(20, 40);
    expect(frames(outs)).to.deep.equal(Array.from({ length: 3000 }, (_, i) => (1000 + i) & 0xffff));
  });

  it('reports empty when the sender goes quiet (DTX/hold) and rebuffers on the next talkspurt', () => {
    const first = stream(20);
    const second = stream(20, { seq0: 1020 }).map((p) => ({ ...p, timestamp: p.timestamp + 16000, arrivalMs: p.arrivalMs + 2000 }));
    const jb = new JitterBuffer({ clockRate: 8000 });
    const outs = run(jb, [...first, ...second], 3000);
    expect(frames(outs)).to.deep.equal(Array.from({ length: 40 }, (_, i) => 1000 + i));
    const mid = outs.slice(40, 90).map((o) => o.kind);
    expect(mid.filter((k) => k === 'empty').length).to.be.greaterThan(40);
    expect(jb.stats.lost).to.equal(0);
  });

  it('resynchronises on a large sequence jump (sender restart)', () => {
    const jb = new JitterBuffer({ clockRate: 8000 });
    const a = stream(10);
    const b = stream(10, { seq0: 40000 }).map((p) => ({ ...p, arrivalMs: p.arrivalMs + 200 }));
    const outs = run(jb, [...a, ...b], 800);
    expect(frames(outs).slice(-10)).to.deep.equal(Array.from({ length: 10 }, (_, i) => 40000 + i).map((s) => s & 0xffff));
  });

  it('bounds its memory when nobody pops, keeping the newest packets', () => {
    const jb = new JitterBuffer({ clockRate: 8000, maxDelayMs: 200 });
    for (const p of stream(500)) jb.push({ seq: p.seq, timestamp: p.timestamp, payload: Buffer.alloc(1), arrivalMs: p.arrivalMs });
    const capacity = Math.ceil((2 * 200) / 20) + 8;
    expect(jb.stats.overflow).to.equal(500 - capacity);
    const first = jb.pop(20000);
    expect(first.kind).to.equal('frame');
    expect(first.kind === 'frame' ? first.timestamp : -1).to.equal(5000 + (500 - capacity) * 160);
  });
});
