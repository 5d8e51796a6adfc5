import { expect } from 'chai';
import { DigestClient } from '../../src/auth/digest-client.js';
import { DigestServer } from '../../src/auth/digest-server.js';
import type { DigestServerOptions, DigestVerdict } from '../../src/auth/digest-server.js';
import type { AuthHeader } from '../../src/message/auth-header.js';
import { parseAuthHeader } from '../../src/message/auth-header.js';
import { challengeResponse, register, retry } from './fixtures.js';

const REALM = 'example.com';

function server(extra: Partial<DigestServerOptions> = {}): DigestServer {
  return new DigestServer({
    realm: REALM,
    secret: 'server-secret-for-tests',
    lookup: async (username) => (username === 'alice' ? 'wonderland' : undefined),
    ...extra,
  });
}

/** A fresh server and the Authorization value a client sends for its challenge. */
async function answered(extra: Partial<DigestServerOptions> = {}): Promise<{ srv: DigestServer; value: string }> {
  const srv = server(extra);
  const first = register(1);
  const c = await srv.verify(first);
  if (c.kind !== 'challenge') throw new Error('expected a challenge');
  const [line] = new DigestClient({ username: 'alice', password: 'wonderland' }).authorize(first, challengeResponse(c.status, c.headers));
  return { srv, value: line!.value };
}

function edited(value: string, edit: (h: AuthHeader) => void): string {
  const h = parseAuthHeader(value);
  edit(h);
  return h.toString();
}

function without(value: string, name: string): string {
  return edited(value, (h) => {
    h.params = h.params.filter((p) => p.name !== name);
  });
}

async function verdictFor(srv: DigestServer, ...values: string[]): Promise<DigestVerdict> {
  return srv.verify(retry(2, values.map((value) => ({ name: 'Authorization', value }))));
}

function expectVerdict(v: DigestVerdict, kind: DigestVerdict['kind'], why?: string | RegExp, stale = false): void {
  expect(v.kind, JSON.stringify(v)).to.equal(kind);
  if (v.kind === 'ok') return;
  if (typeof why === 'string') expect(v.why).to.equal(why);
  else if (why !== undefined) expect(v.why).to.match(why);
  if (v.kind === 'challenge') expect(v.stale).to.equal(stale);
}

describe('digest server on malformed or unusual credentials', () => {
  it('ignores an unparsable line (unterminated quote) and uses a good one after it', async () => {
    const { srv, value } = await answered();
    expectVerdict(await verdictFor(srv, 'Digest username="alice, realm="example.com'), 'challenge', 'no Digest credentials for this realm');
    expectVerdict(await verdictFor(srv, 'Digest username="alice", realm="example.com", nonce="a\\', value), 'ok');
  });

  it('takes the first of duplicated params, as AuthHeader.param does', async () => {
    const { srv, value } = await answered();
    expectVerdict(await verdictFor(srv, `${value}, response="00000000000000000000000000000000"`), 'ok');
    const { srv: srv2, value: value2 } = await answered();
    const wrongFirst = value2.replace('Digest ', 'Digest response="00000000000000000000000000000000", ');
    expectVerdict(await verdictFor(srv2, wrongFirst), 'forbidden', 'response digest does not match');
    const otherRealmFirst = value2.replace('Digest ', 'Digest REALM="elsewhere", ');
    expectVerdict(await verdictFor(srv2, otherRealmFirst), 'challenge', 'no Digest credentials for this realm');
  });

  it('challenges nonces that are not base64url of the right length, without stale', async () => {
    const { srv, value } = await answered();
    const nonce = parseAuthHeader(value).param('nonce')!;
    for (const bad of [
      nonce.slice(0, 20) + '+' + nonce.slice(21),
      nonce.slice(0, 20) + '/' + nonce.slice(21),
      nonce.slice(0, 42) + '=',
      nonce.slice(1),
      nonce + 'A',
      nonce.slice(0, 20) + '\u0141' + nonce.slice(21),
    ]) {
      const v = await verdictFor(srv, edited(value, (h) => h.setParam('nonce', bad, true)));
      expectVerdict(v, 'challenge', 'nonce was not issued by this server');
    }
  });

  it('answers 400 with a reason for missing or malformed params', async () => {
    const { srv, value } = await answered();
    const cases: Array<[string, string | RegExp]> = [
      [without(value, 'username'), 'Digest credentials lack the username parameter'],
      [without(value, 'response'), 'Digest credentials lack the response parameter'],
      [edited(value, (h) => h.setParam('response', 'xyz', true)), 'Digest response is not hexadecimal'],
      [edited(value, (h) => h.setParam('response', '', true)), 'Digest response is not hexadecimal'],
      [edited(value, (h) => h.setParam('nc', '0000001', false)), 'Digest credentials with qop need nc as eight hex digits'],
      [edited(value, (h) => h.setParam('nc', '0000000g', false)), 'Digest credentials with qop need nc as eight hex digits'],
      [without(value, 'nc'), 'Digest credentials with qop need nc as eight hex digits'],
      [without(value, 'cnonce'), 'Digest credentials with qop need a cnonce'],
      [edited(value, (h) => h.setParam('qop', 'AUTH-CONF', false)), 'unknown qop "auth-conf"'],
      [edited(value, (h) => h.setParam('uri', 'sip:elsewhere.example.com', true)), /does not match the Request-URI/],
    ];
    for (const [line, why] of cases) expectVerdict(await verdictFor(srv, line), 'bad-request', why);
  });

  it('challenges what it did not offer, and a foreign opaque', async () => {
    const { srv, value } = await answered();
    const cases: Array<[string, string]> = [
      [edited(value, (h) => h.setParam('algorithm', 'SHA-1', false)), 'algorithm SHA-1 was not offered'],
      [edited(value, (h) => h.setParam('qop', 'auth-int', false)), 'qop auth-int was not offered'],
      [edited(value, (h) => h.setParam('opaque', 'not-ours', true)), 'opaque does not match'],
    ];
    for (const [line, why] of cases) expectVerdict(await verdictFor(srv, line), 'challenge', why);
    const { srv: strict, value: v2 } = await answered({ allowLegacy: false });
    expectVerdict(await verdictFor(strict, without(without(without(v2, 'qop'), 'nc'), 'cnonce')), 'challenge', 'credentials without qop are not accepted');
  });

  it('reads names and tokens case-insensitively, quoted-pairs resolved, and opaque as optional', async () => {
    const { srv, value } = await answered({ algorithms: ['MD5'] });
    const mixed = value
      .replace('username="alice"', 'UserName="al\\ice"')
      .replace('algorithm=MD5', 'ALGORITHM=md5')
      .replace('qop=auth', 'QOP="AUTH"')
      .replace(/opaque="[^"]*", ?/, '');
    expect(mixed).to.not.equal(value);
    expectVerdict(await verdictFor(srv, mixed), 'ok');
  });

  it('reads the algorithm as toUpperCase would, even through non-ASCII case mappings', async () => {
    const { srv, value } = await answered({ algorithms: ['SHA-256'] });
    // U+017F (long s) upper-cases to 'S': the old lookup by toUpperCase accepted this.
    const odd = edited(value, (h) => h.setParam('algorithm', '\u017fha-256', true));
    expectVerdict(await verdictFor(srv, odd), 'ok');
    const { srv: srv2, value: value2 } = await answered({ algorithms: ['SHA-256'] });
    const kelvinQop = edited(value2, (h) => h.setParam('qop', 'auth\u212a', true));
    expectVerdict(await verdictFor(srv2, kelvinQop), 'bad-request', 'unknown qop "authk"');
  });

  it('compares the response in either case', async () => {
    const { srv, value } = await answered();
    const upper = edited(value, (h) => h.setParam('response', h.param('response')!.toUpperCase(), true));
    expectVerdict(await verdictFor(srv, upper), 'ok');
  });

  it('keeps HA2 per method and Request-URI apart', async () => {
    const srv = server({ checkUri: false });
    const client = new DigestClient({ username: 'alice', password: 'wonderland' });
    for (const [cseq, method, uri] of [[1, 'REGISTER', 'sip:example.com'], [3, 'MESSAGE', 'sip:example.com'], [5, 'MESSAGE', 'sip:bob@example.com'], [7, 'REGISTER', 'sip:example.com']] as const) {
      const req = register(cseq, [], method, uri);
      const c = await srv.verify(req);
      if (c.kind !== 'challenge') throw new Error('expected a challenge');
      const lines = client.authorize(req, challengeResponse(401, c.headers, cseq));
      expectVerdict(await srv.verify(retry(cseq + 1, lines, method, uri)), 'ok');
      // The same credentials for another method or uri do not pass on the cached HA2.
      const other = method === 'REGISTER' ? 'MESSAGE' : 'REGISTER';
      expectVerdict(await srv.verify(retry(cseq + 1, lines, other, uri)), 'forbidden', 'response digest does not match');
    }
  });

  it('as a proxy, ignores Authorization and reads Proxy-Authorization', async () => {
    const { value } = await answered();
    const proxy = server({ proxy: true });
    const v = await verdictFor(proxy, value);
    expectVerdict(v, 'challenge', 'no Digest credentials for this realm');
    expect(v.kind === 'challenge' && v.status).to.equal(407);
  });
});
