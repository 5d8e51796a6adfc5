import { expect } from 'chai';
import { NonceIssuer } from '../../src/auth/nonce.js';
import { NonceCountTracker } from '../../src/auth/nonce-counts.js';

describe('self-validating nonces', () => {
  it('validates its own nonces without state and reports expiry', () => {
    let now = 5_000_000;
    const issuer = new NonceIssuer('k', 'example.com', 10_000, () => now);
    const nonce = issuer.issue();
    expect(issuer.check(nonce)).to.deep.equal({ valid: true, issuedAt: 5_000_000, expired: false });
    // Another instance with the same secret (a restart, a cluster peer) agrees.
    expect(new NonceIssuer('k', 'example.com', 10_000, () => now).check(nonce).valid).to.equal(true);
    now += 10_001;
    expect(issuer.check(nonce)).to.include({ valid: true, expired: true });
  });

  it('rejects nonces from another secret or realm, and altered ones', () => {
    const issuer = new NonceIssuer('k', 'example.com', 10_000, () => 1);
    const nonce = issuer.issue();
    expect(new NonceIssuer('other', 'example.com', 10_000, () => 1).check(nonce).valid).to.equal(false);
    expect(new NonceIssuer('k', 'example.org', 10_000, () => 1).check(nonce).valid).to.equal(false);
    const altered = (nonce[0] === 'A' ? 'B' : 'A') + nonce.slice(1);
    expect(issuer.check(altered).valid).to.equal(false);
    expect(issuer.check('short').valid).to.equal(false);
  });
});

describe('nonce-count tracking', () => {
  it('flags repeats, accepts reordering inside the 64 window, refuses below it', () => {
    const t = new NonceCountTracker(10);
    expect(t.record('n', 1, 1)).to.equal('fresh');
    expect(t.record('n', 1, 1)).to.equal('replay');
    expect(t.record('n', 1, 100)).to.equal('fresh');
    expect(t.record('n', 1, 40)).to.equal('fresh');
    expect(t.record('n', 1, 40)).to.equal('replay');
    expect(t.record('n', 1, 36)).to.equal('replay');
  });

  it('stays bounded and reports evicted nonces as unknown, never fresh', () => {
    const t = new NonceCountTracker(3);
    for (let i = 1; i <= 5; i++) expect(t.record(`n${i}`, i, 1)).to.equal('fresh');
    expect(t.size).to.equal(3);
    expect(t.record('n1', 1, 1)).to.equal('unknown');
    expect(t.record('n2', 2, 2)).to.equal('unknown');
    expect(t.record('n5', 5, 1)).to.equal('replay');
  });

  it('prunes nonces issued before a cut-off', () => {
    const t = new NonceCountTracker(100);
    t.record('old', 10, 1);
    t.record('new', 50, 1);
    t.prune(20);
    expect(t.size).to.equal(1);
    expect(t.record('old', 10, 2)).to.equal('unknown');
  });
});
