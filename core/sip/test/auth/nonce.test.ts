import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { NONCE_EXPIRED, NONCE_FRESH, NONCE_INVALID, NonceIssuer } from '../../src/auth/nonce.js';
import { NonceCountTracker } from '../../src/auth/nonce-counts.js';

describe('self-validating nonces', () => {
  it('validates its own nonces without state and reports expiry', () => {
    let now = 5_000_000;
    const issuer = new NonceIssuer('k', 'example.com', 10_000, () => now);
    const nonce = issuer.issue();
    expect(issuer.check(nonce)).to.deep.include({ valid: true, issuedAt: 5_000_000, expired: false });
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
  it('flags repeats, accepts reordering inside the 32 window, refuses below it', () => {
    const t = new NonceCountTracker(64);
    const seq = t.nextSeq();
    expect(t.record(t.issuerId, seq, 1)).to.equal('fresh');
    expect(t.record(t.issuerId, seq, 1)).to.equal('replay');
    expect(t.record(t.issuerId, seq, 100)).to.equal('fresh');
    expect(t.record(t.issuerId, seq, 70)).to.equal('fresh');
    expect(t.record(t.issuerId, seq, 70)).to.equal('replay');
    expect(t.record(t.issuerId, seq, 68)).to.equal('replay');
    expect(t.record(t.issuerId, seq, 0)).to.equal('replay');
  });

  it('keeps a window for the last `capacity` nonces in issue order, whatever order they are used in', () => {
    const t = new NonceCountTracker(64);
    const seqs = Array.from({ length: 64 }, () => t.nextSeq());
    // Used newest first: the oldest issued is still tracked until 64 newer nonces exist.
    for (const s of [...seqs].reverse()) expect(t.record(t.issuerId, s, 1)).to.equal('fresh');
    expect(t.size).to.equal(64);
    expect(t.record(t.issuerId, seqs[0]!, 1)).to.equal('replay');
    const next = t.nextSeq();
    expect(t.record(t.issuerId, seqs[0]!, 2)).to.equal('unknown');
    expect(t.record(t.issuerId, seqs[1]!, 2)).to.equal('fresh');
    expect(t.record(t.issuerId, next, 1)).to.equal('fresh');
    expect(t.size).to.equal(64);
  });

  it('never judges a nonce it did not issue, nor one from the future', () => {
    const t = new NonceCountTracker(64);
    const other = new NonceCountTracker(64);
    expect(t.record(t.issuerId, 0, 1)).to.equal('unknown');
    const seq = t.nextSeq();
    expect(t.record(other.issuerId === t.issuerId ? t.issuerId + 1 : other.issuerId, seq, 1)).to.equal('unknown');
    expect(t.record(t.issuerId, seq + 5, 1)).to.equal('unknown');
    expect(t.record(t.issuerId, seq, 1)).to.equal('fresh');
  });

  it('carries sequence number and issuer inside the MAC-protected nonce', () => {
    const issuer = new NonceIssuer('k', 'example.com', 10_000, () => 7);
    const check = issuer.check(issuer.issue(0xfffffffe, 0x01020304));
    expect(check).to.deep.include({ valid: true, issuedAt: 7, seq: 0xfffffffe, issuer: 0x01020304 });
  });

  it('wraps the 32-bit sequence number without losing the window', () => {
    const t = new NonceCountTracker(64);
    let seq = 0;
    // Issuing 2^32 nonces takes too long for a test: start the counter just below the wrap.
    (t as unknown as { latest: number }).latest = 0xffff_fff0;
    (t as unknown as { issuedAny: boolean }).issuedAny = true;
    const near: number[] = [];
    for (let i = 0; i < 32; i++) near.push((seq = t.nextSeq()));
    expect(near[0]).to.equal(0xffff_fff1);
    expect(seq).to.equal(0x10);
    for (const s of near) expect(t.record(t.issuerId, s, 1)).to.equal('fresh');
    expect(t.record(t.issuerId, near[0]!, 1)).to.equal('replay');
  });
});

describe('nonce decoding and wire format', () => {
  const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

  it('keeps the wire format: head | SHA-256(len | secret | realm | 0 | head)[0..16), base64url', () => {
    const issuer = new NonceIssuer('k3y', 'example.com', 10_000, () => 0x0102_0304_0506);
    const raw = Buffer.from(issuer.issue(7, 9), 'base64url');
    expect(raw.length).to.equal(32);
    expect(raw.readUIntBE(0, 6)).to.equal(0x0102_0304_0506);
    expect(raw.readUInt32BE(6)).to.equal(7);
    expect(raw.readUInt32BE(10)).to.equal(9);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(3, 0);
    const input = Buffer.concat([len, Buffer.from('k3y'), Buffer.from('example.com'), Buffer.from([0]), raw.subarray(0, 16)]);
    expect(raw.subarray(16).equals(createHash('sha256').update(input).digest().subarray(0, 16))).to.equal(true);
    // A nonce built by hand the same way (what an older node of the cluster issued) is accepted.
    const head = Buffer.from(raw.subarray(0, 16));
    head.writeUInt32BE(1234, 6);
    const mac = createHash('sha256').update(Buffer.concat([input.subarray(0, input.length - 16), head])).digest().subarray(0, 16);
    const forged = Buffer.concat([head, mac]).toString('base64url');
    expect(issuer.check(forged)).to.deep.include({ valid: true, seq: 1234, issuer: 9 });
  });

  it('refuses every single-character change, outside-alphabet characters and non-canonical endings', () => {
    const issuer = new NonceIssuer('k', 'example.com', 10_000, () => 1);
    const nonce = issuer.issue(3, 4);
    expect(issuer.checkFields(nonce)).to.equal(NONCE_FRESH);
    // Buffer's base64url decoder also takes '+', '/', '=' and skips junk: none of it may pass.
    const others = [...B64URL, '+', '/', '=', ' ', '.', '\0', '\u00c1', '\u0141', '\u4e2d', '\ud800'];
    for (let i = 0; i < nonce.length; i++) {
      for (const c of others) {
        if (c === nonce[i]) continue;
        const changed = nonce.slice(0, i) + c + nonce.slice(i + 1);
        expect(issuer.checkFields(changed), `${i}: ${JSON.stringify(c)}`).to.equal(NONCE_INVALID);
      }
    }
    for (const bad of [nonce.slice(1), nonce + 'A', nonce + '=', `${nonce.slice(0, 42)}`, '', 'x'.repeat(43)]) {
      expect(issuer.check(bad).valid, bad).to.equal(false);
    }
  });

  it('reports expiry through checkFields with the nonce fields', () => {
    let now = 50_000;
    const issuer = new NonceIssuer('k', 'example.com', 10_000, () => now);
    const nonce = issuer.issue(11, 12);
    now += 10_001;
    expect(issuer.checkFields(nonce)).to.equal(NONCE_EXPIRED);
    expect([issuer.lastIssuedAt, issuer.lastSeq, issuer.lastIssuer]).to.deep.equal([50_000, 11, 12]);
    now = 50_000 - 1_001;
    expect(issuer.checkFields(nonce)).to.equal(NONCE_EXPIRED);
  });
});
