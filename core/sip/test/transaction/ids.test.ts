import { expect } from 'chai';
import { generateBranch, generateTag } from '../../src/transaction/ids.js';
import { fillRandom, takeRandom } from '../../src/transaction/random-pool.js';

describe('pooled tag and branch generation', () => {
  it('never repeats a tag over 1e6 ids, all 16 hex digits', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1_000_000; i++) seen.add(generateTag());
    expect(seen.size).to.equal(1_000_000);
    for (const t of [...seen].slice(0, 1000)) expect(t).to.match(/^[0-9a-f]{16}$/);
  });

  it('never repeats a branch over 1e6 ids, all with the magic cookie', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1_000_000; i++) seen.add(generateBranch());
    expect(seen.size).to.equal(1_000_000);
    for (const b of [...seen].slice(0, 1000)) expect(b).to.match(/^z9hG4bK[A-Za-z0-9_-]{16}$/);
  });

  it('keeps the random part random: the first 5 bytes of tags spread over all values', () => {
    // 40 random bits per tag: in 100k tags a repeat of the random prefix is ~4e-3 likely at most.
    const prefixes = new Set<string>();
    for (let i = 0; i < 100_000; i++) prefixes.add(generateTag().slice(0, 10));
    expect(prefixes.size).to.be.greaterThan(99_990);
  });

  it('hands pool bytes out once, refilling across the pool boundary', () => {
    const a = Buffer.alloc(16);
    const b = Buffer.alloc(16);
    for (let i = 0; i < 1000; i++) takeRandom(7);
    fillRandom(a, 0, 16);
    fillRandom(b, 0, 16);
    expect(a.equals(b)).to.equal(false);
    expect(a.equals(Buffer.alloc(16))).to.equal(false);
  });
});
