/**
 * Cross-checks with independent digest implementations shipped as dev dependencies:
 * JsSIP's client against our DigestServer, and our DigestClient against the `sip`
 * package's server-side verification. Both only speak MD5, RFC 2617 style.
 */
import { createRequire } from 'node:module';
import { expect } from 'chai';
import { DigestClient } from '../../src/auth/digest-client.js';
import { DigestServer } from '../../src/auth/digest-server.js';
import { serializeMessage } from '../../src/message/serializer.js';
import { parseAuthHeader } from '../../src/message/auth-header.js';
import { challengeResponse, register, retry } from './fixtures.js';

const require = createRequire(import.meta.url);

interface JsSipDigest {
  authenticate(req: { method: string; ruri: string; body?: string }, challenge: Record<string, unknown>): boolean;
  toString(): string;
}
type JsSipDigestCtor = new (credentials: { username: string; password: string }) => JsSipDigest;

interface SipPkg {
  parse(text: string): { method: string; headers: Record<string, unknown> };
}
interface SipDigestPkg {
  authenticateRequest(ctx: Record<string, unknown>, rq: unknown, creds: { user: string; password: string }): boolean;
}

describe('digest interop with other implementations', () => {
  it('JsSIP (client) authenticates against DigestServer, twice on one nonce', async () => {
    const DigestAuthentication = require('jssip/lib/DigestAuthentication.js') as JsSipDigestCtor;
    const server = new DigestServer({ realm: 'example.com', secret: 's3cret', algorithms: ['MD5'], lookup: async (u) => (u === 'alice' ? 'wonderland' : undefined) });
    const first = register(1);
    const verdict = await server.verify(first);
    if (verdict.kind !== 'challenge') throw new Error('expected a challenge');
    const c = parseAuthHeader(verdict.headers[0]!.value);
    const jssip = new DigestAuthentication({ username: 'alice', password: 'wonderland' });
    const challenge = { algorithm: c.param('algorithm'), realm: c.param('realm'), nonce: c.param('nonce'), opaque: c.param('opaque'), qop: c.param('qop'), stale: false };
    for (const cseq of [2, 3]) {
      expect(jssip.authenticate({ method: 'REGISTER', ruri: 'sip:example.com' }, challenge)).to.equal(true);
      const result = await server.verify(retry(cseq, [{ name: 'Authorization', value: jssip.toString() }]));
      expect(result).to.include({ kind: 'ok', username: 'alice', algorithm: 'MD5' });
    }
  });

  it('DigestClient answers a challenge the sip package verifies', () => {
    const sip = require('sip') as SipPkg;
    const digest = require('sip/digest.js') as SipDigestPkg;
    const nonce = 'bm9uY2UtZnJvbS1zaXAtcGtn';
    const res = challengeResponse(401, [
      { name: 'WWW-Authenticate', value: `Digest realm="example.com", nonce="${nonce}", opaque="xyz", qop="auth", algorithm=MD5` },
    ]);
    const client = new DigestClient({ username: 'alice', password: 'wonderland' });
    const signed = retry(2, client.authorize(register(1), res));
    const parsed = sip.parse(serializeMessage(signed).toString('utf8'));
    const ctx: Record<string, unknown> = { realm: 'example.com', nonce };
    expect(digest.authenticateRequest(ctx, parsed, { user: 'alice', password: 'wonderland' })).to.equal(true);
    const wrong = new DigestClient({ username: 'alice', password: 'nope' });
    const bad = sip.parse(serializeMessage(retry(2, wrong.authorize(register(1), res))).toString('utf8'));
    expect(digest.authenticateRequest({ realm: 'example.com', nonce }, bad, { user: 'alice', password: 'wonderland' })).to.equal(false);
  });
});
