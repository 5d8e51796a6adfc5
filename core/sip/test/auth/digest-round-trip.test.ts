import { expect } from 'chai';
import { DigestClient } from '../../src/auth/digest-client.js';
import { DigestServer } from '../../src/auth/digest-server.js';
import type { DigestServerOptions, DigestVerdict } from '../../src/auth/digest-server.js';
import type { DigestAlgorithm } from '../../src/auth/algorithms.js';
import { DIGEST_ALGORITHMS, computeHa1, computeUserhash } from '../../src/auth/algorithms.js';
import { parseAuthHeader } from '../../src/message/auth-header.js';
import { challengeResponse, register, retry } from './fixtures.js';

const REALM = 'example.com';
const users: Record<string, string> = { alice: 'wonderland', bob: 'builder' };

function server(extra: Partial<DigestServerOptions> = {}): DigestServer {
  return new DigestServer({
    realm: REALM,
    secret: 'server-secret-for-tests',
    lookup: async (username) => users[username],
    ...extra,
  });
}

function expectChallenge(v: DigestVerdict): asserts v is DigestVerdict & { kind: 'challenge' } {
  expect(v.kind, JSON.stringify(v)).to.equal('challenge');
}

describe('digest client <-> server', () => {
  for (const algorithm of DIGEST_ALGORITHMS) {
    it(`authenticates a REGISTER with ${algorithm}`, async () => {
      const srv = server({ algorithms: [algorithm] });
      const client = new DigestClient({ username: 'alice', password: 'wonderland' });
      const first = register(1);
      const challenge = await srv.verify(first);
      expectChallenge(challenge);
      expect(challenge.status).to.equal(401);
      const lines = client.authorize(first, challengeResponse(401, challenge.headers));
      expect(lines).to.have.length(1);
      expect(parseAuthHeader(lines[0]!.value).param('algorithm')).to.equal(algorithm);
      const verdict = await srv.verify(retry(2, lines));
      expect(verdict).to.deep.equal({ kind: 'ok', username: 'alice', realm: REALM, algorithm, qop: 'auth' });
    });
  }

  it('offers SHA-256 then MD5 by default and the client answers SHA-256', async () => {
    const srv = server();
    const first = register(1);
    const challenge = await srv.verify(first);
    expectChallenge(challenge);
    expect(challenge.headers.map((h) => h.name)).to.deep.equal(['WWW-Authenticate', 'WWW-Authenticate']);
    expect(challenge.headers.map((h) => parseAuthHeader(h.value).param('algorithm'))).to.deep.equal(['SHA-256', 'MD5']);
    const nonces = new Set(challenge.headers.map((h) => parseAuthHeader(h.value).param('nonce')));
    expect(nonces.size).to.equal(1);
    const lines = new DigestClient({ username: 'bob', password: 'builder' }).authorize(first, challengeResponse(401, challenge.headers));
    const verdict = await srv.verify(retry(2, lines));
    expect(verdict.kind).to.equal('ok');
    if (verdict.kind === 'ok') expect(verdict.algorithm).to.equal('SHA-256');
  });

  it('increments nc on follow-up requests with the cached nonce and the server accepts each', async () => {
    const srv = server();
    const client = new DigestClient({ username: 'alice', password: 'wonderland' });
    const first = register(1);
    const challenge = await srv.verify(first);
    expectChallenge(challenge);
    client.authorize(first, challengeResponse(401, challenge.headers));
    const ncs: string[] = [];
    for (let cseq = 3; cseq <= 5; cseq++) {
      const probe = register(cseq);
      const lines = client.authorizeFollowUp(probe);
      ncs.push(parseAuthHeader(lines[0]!.value).param('nc')!);
      expect((await srv.verify(retry(cseq, lines))).kind).to.equal('ok');
    }
    expect(ncs).to.deep.equal(['00000002', '00000003', '00000004']);
  });

  it('rejects a replayed nonce-count with 403', async () => {
    const srv = server();
    const first = register(1);
    const challenge = await srv.verify(first);
    expectChallenge(challenge);
    const lines = new DigestClient({ username: 'alice', password: 'wonderland' }).authorize(first, challengeResponse(401, challenge.headers));
    expect((await srv.verify(retry(2, lines))).kind).to.equal('ok');
    const replay = await srv.verify(retry(3, lines));
    expect(replay).to.include({ kind: 'forbidden', status: 403 });
  });

  it('accepts nc values reordered within the window but not below it', async () => {
    const srv = server();
    const client = new DigestClient({ username: 'alice', password: 'wonderland' });
    const first = register(1);
    const challenge = await srv.verify(first);
    expectChallenge(challenge);
    const l1 = client.authorize(first, challengeResponse(401, challenge.headers));
    const l2 = client.authorizeFollowUp(register(3));
    const l3 = client.authorizeFollowUp(register(4));
    expect((await srv.verify(retry(4, l3))).kind).to.equal('ok');
    expect((await srv.verify(retry(2, l1))).kind).to.equal('ok');
    expect((await srv.verify(retry(3, l2))).kind).to.equal('ok');
    expect((await srv.verify(retry(3, l2))).kind).to.equal('forbidden');
  });

  it('rejects a tampered response digest with 403', async () => {
    const srv = server();
    const first = register(1);
    const challenge = await srv.verify(first);
    expectChallenge(challenge);
    const [line] = new DigestClient({ username: 'alice', password: 'wonderland' }).authorize(first, challengeResponse(401, challenge.headers));
    const h = parseAuthHeader(line!.value);
    const response = h.param('response')!;
    h.setParam('response', (response[0] === '0' ? '1' : '0') + response.slice(1), true);
    const verdict = await srv.verify(retry(2, [{ name: 'Authorization', value: h.toString() }]));
    expect(verdict).to.include({ kind: 'forbidden', status: 403 });
  });

  it('rejects a wrong password, then the client refuses the repeated non-stale challenge', async () => {
    const srv = server({ onBadCredentials: 'challenge' });
    const client = new DigestClient({ username: 'alice', password: 'not-the-password' });
    const first = register(1);
    const c1 = await srv.verify(first);
    expectChallenge(c1);
    const second = retry(2, client.authorize(first, challengeResponse(401, c1.headers)));
    const c2 = await srv.verify(second);
    expectChallenge(c2);
    expect(c2.stale).to.equal(false);
    expect(() => client.authorize(second, challengeResponse(401, c2.headers, 2)))
      .to.throw()
      .with.property('code', 'RVOIP_ERR_AUTH_CREDENTIALS_REJECTED');
  });

  it('answers stale=true for an expired nonce and the client retries without failing', async () => {
    let now = 1_000_000;
    const srv = server({ nonceTtlMs: 30_000, now: () => now });
    const client = new DigestClient({ username: 'alice', password: 'wonderland' });
    const first = register(1);
    const c1 = await srv.verify(first);
    expectChallenge(c1);
    client.authorize(first, challengeResponse(401, c1.headers));
    now += 60_000;
    const late = retry(3, client.authorizeFollowUp(register(3)));
    const c2 = await srv.verify(late);
    expectChallenge(c2);
    expect(c2.stale).to.equal(true);
    expect(c2.headers[0]!.value).to.match(/stale=TRUE/);
    const again = client.authorize(late, challengeResponse(401, c2.headers, 3));
    expect(await srv.verify(retry(4, again))).to.include({ kind: 'ok', username: 'alice' });
  });

  it('does not say stale for an expired nonce when the digest is wrong', async () => {
    let now = 1_000_000;
    const srv = server({ nonceTtlMs: 30_000, now: () => now });
    const first = register(1);
    const c1 = await srv.verify(first);
    expectChallenge(c1);
    const lines = new DigestClient({ username: 'alice', password: 'bad' }).authorize(first, challengeResponse(401, c1.headers));
    now += 60_000;
    expect((await srv.verify(retry(2, lines))).kind).to.equal('forbidden');
  });

  it('gives up after repeated stale challenges (STALE_LOOP)', async () => {
    let now = 1_000_000;
    const srv = server({ nonceTtlMs: 1_000, now: () => now });
    const client = new DigestClient({ username: 'alice', password: 'wonderland' }, { maxStaleRetries: 2 });
    let req = register(1);
    let challenge = await srv.verify(req);
    let error: unknown;
    for (let cseq = 2; cseq < 10 && error === undefined; cseq++) {
      expectChallenge(challenge);
      try {
        req = retry(cseq, client.authorize(req, challengeResponse(401, challenge.headers, cseq - 1)));
      } catch (err) {
        error = err;
        break;
      }
      now += 5_000;
      challenge = await srv.verify(req);
    }
    expect(error).to.have.property('code', 'RVOIP_ERR_AUTH_STALE_LOOP');
  });

  it('issues a fresh challenge for an unknown auth scheme (RFC 4475 regaut01)', async () => {
    const req = register(1, ['Authorization: NoOneKnowsThisScheme opaque-data=here']);
    const verdict = await server().verify(req);
    expectChallenge(verdict);
    expect(verdict.stale).to.equal(false);
    expect(verdict.headers).to.have.length(2);
  });

  it('challenges credentials for another realm and nonces it did not issue', async () => {
    const srv = server();
    const otherRealm = await srv.verify(
      register(1, ['Authorization: Digest username="alice", realm="elsewhere", nonce="x", uri="sip:example.com", response="00"']),
    );
    expect(otherRealm.kind).to.equal('challenge');
    const forged = await srv.verify(
      register(1, [
        'Authorization: Digest username="alice", realm="example.com", nonce="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", uri="sip:example.com", response="0123456789abcdef0123456789abcdef", algorithm=MD5, qop=auth, nc=00000001, cnonce="c"',
      ]),
    );
    expectChallenge(forged);
    expect(forged.stale).to.equal(false);
  });

  it('answers 400 when the digest uri names another resource, or parameters are missing', async () => {
    const srv = server();
    const first = register(1);
    const c = await srv.verify(first);
    expectChallenge(c);
    const lines = new DigestClient({ username: 'alice', password: 'wonderland' }).authorize(first, challengeResponse(401, c.headers));
    const elsewhere = retry(2, lines, 'REGISTER', 'sip:other.example.com');
    expect(await srv.verify(elsewhere)).to.include({ kind: 'bad-request', status: 400 });
    const noResponse = register(3, ['Authorization: Digest username="alice", realm="example.com", nonce="n", uri="sip:example.com"']);
    expect(await srv.verify(noResponse)).to.include({ kind: 'bad-request', status: 400 });
  });

  it('verifies legacy credentials without qop (RFC 2069 form)', async () => {
    const srv = server({ qop: [], algorithms: ['MD5'] });
    const first = register(1);
    const c = await srv.verify(first);
    expectChallenge(c);
    expect(c.headers[0]!.value).to.not.match(/qop/);
    const [line] = new DigestClient({ username: 'alice', password: 'wonderland' }).authorize(first, challengeResponse(401, c.headers));
    const h = parseAuthHeader(line!.value);
    expect(h.param('qop')).to.equal(undefined);
    expect(h.param('nc')).to.equal(undefined);
    expect(await srv.verify(retry(2, [line!]))).to.deep.equal({ kind: 'ok', username: 'alice', realm: REALM, algorithm: 'MD5' });
  });

  it('refuses legacy credentials when allowLegacy is false', async () => {
    const legacyServer = server({ qop: [], algorithms: ['MD5'] });
    const strict = server({ algorithms: ['MD5'], allowLegacy: false });
    const first = register(1);
    const c = await legacyServer.verify(first);
    expectChallenge(c);
    const lines = new DigestClient({ username: 'alice', password: 'wonderland' }).authorize(first, challengeResponse(401, c.headers));
    expect((await strict.verify(retry(2, lines))).kind).to.equal('challenge');
  });

  it('accepts pre-hashed HA1 per algorithm and refuses an algorithm without one', async () => {
    const ha1 = computeHa1('MD5', 'carol', REALM, 'secret');
    const srv = server({ algorithms: ['MD5', 'SHA-256'], lookup: async (u) => (u === 'carol' ? { ha1: { MD5: ha1 } } : undefined) });
    const first = register(1);
    const c = await srv.verify(first);
    expectChallenge(c);
    const md5Only = c.headers.filter((h) => /algorithm=MD5/.test(h.value));
    const md5Lines = new DigestClient({ username: 'carol', password: 'secret' }).authorize(first, challengeResponse(401, md5Only));
    expect(await srv.verify(retry(2, md5Lines))).to.include({ kind: 'ok', username: 'carol', algorithm: 'MD5' });
    const shaLines = new DigestClient({ username: 'carol', password: 'secret' }).authorize(first, challengeResponse(401, c.headers));
    expect((await srv.verify(retry(3, shaLines))).kind).to.equal('forbidden');
  });

  it('round-trips qop=auth-int over the body', async () => {
    const srv = server({ qop: ['auth-int'] });
    const body = 'hello bob';
    const first = register(1, [], 'MESSAGE', 'sip:bob@example.com', body);
    const c = await srv.verify(first);
    expectChallenge(c);
    const lines = new DigestClient({ username: 'alice', password: 'wonderland' }).authorize(first, challengeResponse(401, c.headers));
    expect(parseAuthHeader(lines[0]!.value).param('qop')).to.equal('auth-int');
    expect(await srv.verify(retry(2, lines, 'MESSAGE', 'sip:bob@example.com', body))).to.include({ kind: 'ok', qop: 'auth-int' });
    expect((await srv.verify(retry(3, lines, 'MESSAGE', 'sip:bob@example.com', 'tampered!'))).kind).to.equal('forbidden');
  });

  it('round-trips userhash when the server offers it', async () => {
    const srv = server({
      userhashLookup: async (hash, realm, alg: DigestAlgorithm) =>
        Object.keys(users).find((u) => computeUserhash(alg, u, realm) === hash),
    });
    const first = register(1);
    const c = await srv.verify(first);
    expectChallenge(c);
    expect(c.headers[0]!.value).to.match(/userhash=true/);
    const lines = new DigestClient({ username: 'bob', password: 'builder' }).authorize(first, challengeResponse(401, c.headers));
    const h = parseAuthHeader(lines[0]!.value);
    expect(h.param('userhash')).to.equal('true');
    expect(h.param('username')).to.equal(computeUserhash('SHA-256', 'bob', REALM));
    expect(await srv.verify(retry(2, lines))).to.include({ kind: 'ok', username: 'bob' });
  });

  it('works as a proxy: 407, Proxy-Authenticate, Proxy-Authorization', async () => {
    const srv = server({ proxy: true });
    const invite = register(1, [], 'INVITE', 'sip:bob@example.com');
    const c = await srv.verify(invite);
    expectChallenge(c);
    expect(c.status).to.equal(407);
    expect(c.headers[0]!.name).to.equal('Proxy-Authenticate');
    const lines = new DigestClient({ username: 'alice', password: 'wonderland' }).authorize(invite, challengeResponse(407, c.headers));
    expect(lines[0]!.name).to.equal('Proxy-Authorization');
    expect(await srv.verify(retry(2, lines, 'INVITE', 'sip:bob@example.com'))).to.include({ kind: 'ok' });
  });

  it('refuses options that cannot work', () => {
    const lookup = async (): Promise<undefined> => undefined;
    for (const bad of [
      { realm: REALM, secret: '', lookup },
      { realm: '', secret: 's', lookup },
      { realm: REALM, secret: 's', lookup, algorithms: [] },
      { realm: REALM, secret: 's', lookup, algorithms: ['SHA-1' as DigestAlgorithm] },
      { realm: REALM, secret: 's', lookup, nonceTtlMs: 0 },
    ]) {
      expect(() => new DigestServer(bad)).to.throw().with.property('code', 'RVOIP_ERR_AUTH_CONFIG');
    }
  });
});
