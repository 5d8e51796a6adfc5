import { expect } from 'chai';
import { TransientTable, hashOfKey } from '../../src/transaction/transient-table.js';

/** A small deterministic generator, so a failure replays. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe('sip/transaction TransientTable (live transactions by key)', () => {
  it('sets, gets, overwrites and deletes like a Map', () => {
    const t = new TransientTable<number>();
    t.set('a', 1);
    t.set('b', 2);
    t.set('a', 3);
    expect(t.get('a')).to.equal(3);
    expect(t.has('b')).to.equal(true);
    expect(t.size).to.equal(2);
    expect(t.delete('a')).to.equal(true);
    expect(t.delete('a')).to.equal(false);
    expect(t.get('a')).to.equal(undefined);
    expect(t.has('a')).to.equal(false);
    expect(t.size).to.equal(1);
    expect(t.get('')).to.equal(undefined);
  });

  it('agrees with a Map through 100,000 random sets and deletes (growth, backward-shift deletion)', () => {
    const t = new TransientTable<number>();
    const m = new Map<string, number>();
    const rnd = lcg(42);
    for (let i = 0; i < 100_000; i++) {
      // Bursts: the key space widens and narrows, so the table grows and entries move on delete.
      const width = 1 + Math.floor(((Math.sin(i / 5000) + 1) / 2) * 3000);
      const key = `z9hG4bK-${Math.floor(rnd() * width)}|10.0.0.1:5060|REGISTER`;
      if (rnd() < 0.5) {
        t.set(key, i);
        m.set(key, i);
      } else {
        expect(t.delete(key)).to.equal(m.delete(key));
      }
      if (i % 4999 === 0) {
        expect(t.size).to.equal(m.size);
        for (const [k, v] of m) expect(t.get(k)).to.equal(v);
      }
    }
    expect(t.values().sort((a, b) => a - b)).to.deep.equal([...m.values()].sort((a, b) => a - b));
  });

  it('keeps distinct keys that share a hash apart', () => {
    // Find two short keys with the same 32-bit hash (a birthday search over 2^17 candidates).
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined && i < 1 << 20; i++) {
      const k = `k${i.toString(36)}`;
      const other = seen.get(hashOfKey(k));
      if (other !== undefined) pair = [other, k];
      else seen.set(hashOfKey(k), k);
    }
    expect(pair, 'a colliding pair').to.not.equal(undefined);
    const [a, b] = pair!;
    const t = new TransientTable<string>();
    t.set(a, 'A');
    t.set(b, 'B');
    expect(t.get(a)).to.equal('A');
    expect(t.get(b)).to.equal('B');
    t.delete(a);
    expect(t.get(b)).to.equal('B');
    expect(t.get(a)).to.equal(undefined);
  });

  it('values() is a snapshot: deleting while walking it is safe; clear empties the table', () => {
    const t = new TransientTable<number>();
    for (let i = 0; i < 100; i++) t.set(`k${i}`, i);
    for (const v of t.values()) t.delete(`k${v}`);
    expect(t.size).to.equal(0);
    for (let i = 0; i < 10; i++) t.set(`k${i}`, i);
    t.clear();
    expect(t.size).to.equal(0);
    expect(t.values()).to.deep.equal([]);
    t.set('again', 1);
    expect(t.get('again')).to.equal(1);
  });
});
