import { expect } from 'chai';
import {
  algorithmStrength,
  computeDigestResponse,
  computeHa1,
  formatNonceCount,
  parseAlgorithm,
} from '../../src/auth/algorithms.js';
import type { DigestAlgorithm } from '../../src/auth/algorithms.js';

describe('digest algorithms', () => {
  describe('RFC 7616 section 3.9.1 example (Mufasa / Circle of Life)', () => {
    const common = {
      nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth' as const,
      nc: '00000001',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    };
    const realm = 'http-auth@example.org';

    it('MD5 gives 8ca523f5e9506fed4657c9700eebdbec', () => {
      const ha1 = computeHa1('MD5', 'Mufasa', realm, 'Circle of Life');
      expect(computeDigestResponse({ algorithm: 'MD5', ha1, ...common })).to.equal('8ca523f5e9506fed4657c9700eebdbec');
    });

    it('SHA-256 gives 753927fa...cb6c1', () => {
      const ha1 = computeHa1('SHA-256', 'Mufasa', realm, 'Circle of Life');
      expect(computeDigestResponse({ algorithm: 'SHA-256', ha1, ...common })).to.equal(
        '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
      );
    });
  });

  it('RFC 2617 section 3.5 example gives 6629fae49393a05397450978507c4ef1', () => {
    const ha1 = computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
    const response = computeDigestResponse({
      algorithm: 'MD5',
      ha1,
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
    });
    expect(response).to.equal('6629fae49393a05397450978507c4ef1');
  });

  it('the legacy form (no qop) is H(HA1:nonce:HA2)', () => {
    const ha1 = computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
    const legacy = computeDigestResponse({ algorithm: 'MD5', ha1, nonce: 'n', method: 'GET', uri: '/x' });
    const withQop = computeDigestResponse({ algorithm: 'MD5', ha1, nonce: 'n', method: 'GET', uri: '/x', qop: 'auth', nc: '00000001', cnonce: 'c' });
    expect(legacy).to.match(/^[0-9a-f]{32}$/);
    expect(legacy).to.not.equal(withQop);
  });

  it('SHA-512-256 yields 64 hex digits and -sess differs from its base', () => {
    const input = { nonce: 'n', method: 'INVITE', uri: 'sip:bob@example.com', qop: 'auth' as const, nc: '00000001', cnonce: 'c' };
    const ha1 = computeHa1('SHA-512-256', 'bob', 'r', 'pw');
    const plain = computeDigestResponse({ algorithm: 'SHA-512-256', ha1, ...input });
    const sess = computeDigestResponse({ algorithm: 'SHA-512-256-sess', ha1, ...input });
    expect(plain).to.match(/^[0-9a-f]{64}$/);
    expect(sess).to.match(/^[0-9a-f]{64}$/);
    expect(sess).to.not.equal(plain);
  });

  it('auth-int hashes the body into HA2', () => {
    const base = { algorithm: 'SHA-256' as const, ha1: 'x', nonce: 'n', method: 'MESSAGE', uri: 'sip:b@h', qop: 'auth-int' as const, nc: '00000001', cnonce: 'c' };
    expect(computeDigestResponse({ ...base, body: Buffer.from('a') })).to.not.equal(computeDigestResponse({ ...base, body: Buffer.from('b') }));
  });

  it('parses algorithm tokens case-insensitively; absent means MD5; unknown is undefined', () => {
    expect(parseAlgorithm(undefined)).to.equal('MD5');
    expect(parseAlgorithm('sha-256')).to.equal('SHA-256');
    expect(parseAlgorithm('Sha-512-256-Sess')).to.equal('SHA-512-256-sess');
    expect(parseAlgorithm('AKAv1-MD5')).to.equal(undefined);
  });

  it('ranks SHA-512-256 > SHA-256 > MD5 (RFC 8760), base before -sess', () => {
    const order: DigestAlgorithm[] = ['MD5-sess', 'SHA-256', 'MD5', 'SHA-512-256-sess', 'SHA-512-256', 'SHA-256-sess'];
    const sorted = [...order].sort((a, b) => algorithmStrength(b) - algorithmStrength(a));
    expect(sorted).to.deep.equal(['SHA-512-256', 'SHA-512-256-sess', 'SHA-256', 'SHA-256-sess', 'MD5', 'MD5-sess']);
  });

  it('formats nc as eight lower-case hex digits', () => {
    expect(formatNonceCount(1)).to.equal('00000001');
    expect(formatNonceCount(255)).to.equal('000000ff');
  });
});
