import { expect } from 'chai';
import { DigestClient, applyAuthorization } from '../../src/auth/digest-client.js';
import { parseAuthHeader } from '../../src/message/auth-header.js';
import { challengeResponse, register } from './fixtures.js';

const md5 = 'Digest realm="example.com", nonce="n1", algorithm=MD5, qop="auth"';
const sha256 = 'Digest realm="example.com", nonce="n1", algorithm=SHA-256, qop="auth"';
const sha512 = 'Digest realm="example.com", nonce="n1", algorithm=SHA-512-256, qop="auth"';

describe('DigestClient', () => {
  const fixedCnonce = { cnonce: () => 'fixedcnonce' };

  it('picks the strongest of several offered algorithms (RFC 8760 order)', () => {
    const client = new DigestClient({ username: 'alice', password: 'pw' }, fixedCnonce);
    const pick = (values: string[]): string | undefined => {
      const res = challengeResponse(401, values.map((value) => ({ name: 'WWW-Authenticate', value })));
      return parseAuthHeader(client.authorize(register(1), res)[0]!.value).param('algorithm');
    };
    expect(pick([md5, sha256, sha512])).to.equal('SHA-512-256');
    expect(pick([sha512, md5])).to.equal('SHA-512-256');
    expect(pick([md5, sha256])).to.equal('SHA-256');
    expect(pick(['Digest realm="example.com", nonce="n1", qop="auth"'])).to.equal('MD5');
  });

  it('skips schemes and algorithms it does not know', () => {
    const client = new DigestClient({ username: 'alice', password: 'pw' });
    const res = challengeResponse(401, [
      { name: 'WWW-Authenticate', value: 'Basic realm="example.com"' },
      { name: 'WWW-Authenticate', value: 'Digest realm="example.com", nonce="n", algorithm=AKAv1-MD5' },
      { name: 'WWW-Authenticate', value: md5 },
    ]);
    expect(parseAuthHeader(client.authorize(register(1), res)[0]!.value).param('algorithm')).to.equal('MD5');
  });

  it('fails with NO_USABLE_CHALLENGE when nothing can be answered', () => {
    const client = new DigestClient({ username: 'alice', password: 'pw' });
    const res = challengeResponse(401, [{ name: 'WWW-Authenticate', value: 'Basic realm="example.com"' }]);
    expect(() => client.authorize(register(1), res)).to.throw().with.property('code', 'RVOIP_ERR_AUTH_NO_USABLE_CHALLENGE');
  });

  it('fails with NOT_A_CHALLENGE for anything but 401/407', () => {
    const client = new DigestClient({ username: 'alice', password: 'pw' });
    expect(() => client.authorize(register(1), challengeResponse(403, []))).to.throw().with.property('code', 'RVOIP_ERR_AUTH_NOT_A_CHALLENGE');
  });

  it('builds Authorization with every required parameter, echoing opaque', () => {
    const client = new DigestClient({ username: 'alice', password: 'pw' }, fixedCnonce);
    const res = challengeResponse(401, [
      { name: 'WWW-Authenticate', value: 'Digest realm="example.com", nonce="abc", opaque="op\\"q", algorithm=SHA-256, qop="auth,auth-int"' },
    ]);
    const [line] = client.authorize(register(1), res);
    expect(line!.name).to.equal('Authorization');
    const h = parseAuthHeader(line!.value);
    expect(h.scheme).to.equal('Digest');
    expect(h.param('username')).to.equal('alice');
    expect(h.param('realm')).to.equal('example.com');
    expect(h.param('nonce')).to.equal('abc');
    expect(h.param('uri')).to.equal('sip:example.com');
    expect(h.param('opaque')).to.equal('op"q');
    expect(h.param('qop')).to.equal('auth');
    expect(h.param('nc')).to.equal('00000001');
    expect(h.param('cnonce')).to.equal('fixedcnonce');
    expect(h.param('response')).to.match(/^[0-9a-f]{64}$/);
    expect(h.params.find((p) => p.name === 'qop')!.quoted).to.equal(false);
    expect(h.params.find((p) => p.name === 'nc')!.quoted).to.equal(false);
  });

  it('answers several realms at once (two proxies) and honours a configured realm', () => {
    const res = challengeResponse(407, [
      { name: 'Proxy-Authenticate', value: 'Digest realm="p1.example.com", nonce="a", algorithm=MD5, qop="auth"' },
      { name: 'Proxy-Authenticate', value: 'Digest realm="p2.example.com", nonce="b", algorithm=MD5, qop="auth"' },
    ]);
    const both = new DigestClient({ username: 'alice', password: 'pw' }).authorize(register(1), res);
    expect(both.map((l) => [l.name, l.realm])).to.deep.equal([
      ['Proxy-Authorization', 'p1.example.com'],
      ['Proxy-Authorization', 'p2.example.com'],
    ]);
    const one = new DigestClient({ username: 'alice', password: 'pw', realm: 'p2.example.com' }).authorize(register(1), res);
    expect(one.map((l) => l.realm)).to.deep.equal(['p2.example.com']);
  });

  it('applyAuthorization replaces the credentials for answered realms and keeps others', () => {
    const req = register(2, [
      'Proxy-Authorization: Digest username="alice", realm="p1.example.com", nonce="old", uri="sip:example.com", response="00"',
      'Proxy-Authorization: Digest username="alice", realm="other", nonce="keep", uri="sip:example.com", response="00"',
    ]);
    applyAuthorization(req, [{ name: 'Proxy-Authorization', realm: 'p1.example.com', value: 'Digest username="alice", realm="p1.example.com", nonce="new", uri="sip:example.com", response="11"' }]);
    const nonces = req.headers.getAll('proxy-authorization').map((v) => parseAuthHeader(v).param('nonce'));
    expect(nonces).to.deep.equal(['keep', 'new']);
  });

  it('starts nc at 1 again when the nonce changes', () => {
    const client = new DigestClient({ username: 'alice', password: 'pw' });
    const first = challengeResponse(401, [{ name: 'WWW-Authenticate', value: md5 }]);
    client.authorize(register(1), first);
    expect(parseAuthHeader(client.authorizeFollowUp(register(2))[0]!.value).param('nc')).to.equal('00000002');
    const fresh = challengeResponse(401, [{ name: 'WWW-Authenticate', value: 'Digest realm="example.com", nonce="n2", algorithm=MD5, qop="auth"' }]);
    expect(parseAuthHeader(client.authorize(register(3), fresh)[0]!.value).param('nc')).to.equal('00000001');
    client.reset();
    expect(client.authorizeFollowUp(register(4))).to.deep.equal([]);
  });

  it('retries when credentials on a cached nonce (nc > 1) meet a plain challenge, refuses at nc = 1', () => {
    const client = new DigestClient({ username: 'alice', password: 'pw' });
    client.authorize(register(1), challengeResponse(401, [{ name: 'WWW-Authenticate', value: md5 }]));
    const followUp = register(3, client.authorizeFollowUp(register(3)).map((l) => `${l.name}: ${l.value}`));
    const fresh = challengeResponse(401, [{ name: 'WWW-Authenticate', value: 'Digest realm="example.com", nonce="n2", algorithm=MD5, qop="auth"' }], 3);
    const retried = client.authorize(followUp, fresh);
    expect(parseAuthHeader(retried[0]!.value).param('nonce')).to.equal('n2');
    expect(parseAuthHeader(retried[0]!.value).param('nc')).to.equal('00000001');
    const answered = register(4, retried.map((l) => `${l.name}: ${l.value}`));
    expect(() => client.authorize(answered, fresh)).to.throw().with.property('code', 'RVOIP_ERR_AUTH_CREDENTIALS_REJECTED');
  });

  it('counts only back-to-back stale challenges towards STALE_LOOP', () => {
    const client = new DigestClient({ username: 'alice', password: 'pw' }, { maxStaleRetries: 1 });
    const stale = (nonce: string, cseq: number) =>
      challengeResponse(401, [{ name: 'WWW-Authenticate', value: `Digest realm="example.com", nonce="${nonce}", algorithm=MD5, qop="auth", stale=TRUE` }], cseq);
    const asRequest = (cseq: number, lines: ReturnType<DigestClient['authorize']>) => register(cseq, lines.map((l) => `${l.name}: ${l.value}`));
    let sent = asRequest(2, client.authorize(register(1), challengeResponse(401, [{ name: 'WWW-Authenticate', value: md5 }])));
    for (let round = 0; round < 5; round++) {
      // The nonce serves a follow-up, then expires: each expiry is a first stale answer.
      sent = asRequest(10 * round + 3, client.authorizeFollowUp(register(10 * round + 3)));
      sent = asRequest(10 * round + 4, client.authorize(sent, stale(`s${round}`, 10 * round + 3)));
    }
    // Two stale answers in a row to direct retries exceed maxStaleRetries = 1.
    expect(() => client.authorize(sent, stale('again', 60))).to.throw().with.property('code', 'RVOIP_ERR_AUTH_STALE_LOOP');
  });
});
