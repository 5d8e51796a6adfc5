import { expect } from 'chai';
import type { SipMessage , SipUri} from '@rvoip/sip';
import { SipParseError, parseAuthHeader, parseMessage } from '@rvoip/sip';

const BASE = [
  'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKbase',
  'From: <sip:a@example.com>;tag=f',
  'To: <sip:b@example.com>',
  'Call-ID: typed@example.com',
  'CSeq: 1 NOTIFY',
  'Max-Forwards: 70',
];

function msg(...extra: string[]): SipMessage {
  return parseMessage(Buffer.from(['NOTIFY sip:b@example.com SIP/2.0', ...BASE, ...extra, 'Content-Length: 0', '', ''].join('\r\n')));
}

function status(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(SipParseError);
    return (e as SipParseError).status;
  }
  return -1;
}

describe('typed header accessors', () => {
  it('core headers: From, To, Call-ID, CSeq, Max-Forwards, Expires, Content-Length', () => {
    const m = msg('Expires: 3600');
    expect([m.from.tag, m.to.tag, m.callId, m.maxForwards, m.expires, m.contentLength]).to.deep.equal([
      'f', undefined, 'typed@example.com', 70, 3600, 0,
    ]);
    expect(m.cseq).to.deep.equal({ seq: 1, method: 'NOTIFY' });
  });

  it('CSeq accepts 2^32-1 and rejects larger numbers and bad shapes', () => {
    const cseq = (v: string): SipMessage =>
      parseMessage(Buffer.from(`SIP/2.0 200 OK\r\n${BASE.slice(0, 4).join('\r\n')}\r\nCSeq: ${v}\r\n\r\n`));
    expect(cseq('4294967295 INVITE').cseq.seq).to.equal(4294967295);
    for (const bad of ['4294967296 INVITE', 'INVITE', '12', '-1 INVITE', '1 INVITE extra']) {
      expect(status(() => cseq(bad)), bad).to.equal(0);
    }
  });

  it('Max-Forwards above 255 and non-numeric Expires raise 400 on access', () => {
    expect(status(() => msg('Max-Forwards: 300').maxForwards)).to.equal(400);
    expect(status(() => msg('Expires: soon').expires)).to.equal(400);
  });

  it('token lists: Require, Supported, Allow, Unsupported, Proxy-Require (compact k)', () => {
    const m = msg('Require: 100rel, timer', 'k: path,  gruu', 'Supported: outbound', 'Allow: INVITE,ACK ,BYE', 'Unsupported: foo', 'Proxy-Require: sec-agree');
    expect(m.require).to.deep.equal(['100rel', 'timer']);
    expect(m.supported).to.deep.equal(['path', 'gruu', 'outbound']);
    expect(m.allow).to.deep.equal(['INVITE', 'ACK', 'BYE']);
    expect(m.unsupported).to.deep.equal(['foo']);
    expect(m.proxyRequire).to.deep.equal(['sec-agree']);
    expect(status(() => msg('Require: a b').require)).to.equal(400);
  });

  it('Contact: star, lists over several lines, Record-Route and Route order', () => {
    expect(msg('Contact: *').isStarContact).to.equal(true);
    expect(msg('Contact: *').contacts).to.deep.equal([]);
    const m = msg('m: <sip:a@h1>, <sip:a@h2>;q=0.1', 'Contact: sip:a@h3', 'Record-Route: <sip:p1;lr>, <sip:p2;lr>', 'Route: <sip:r1;lr>');
    expect(m.contacts.map((c) => (c.uri as SipUri).host)).to.deep.equal(['h1', 'h2', 'h3']);
    expect(m.recordRoutes.map((r) => (r.uri as SipUri).host)).to.deep.equal(['p1', 'p2']);
    expect(m.routes.map((r) => (r.uri as SipUri).host)).to.deep.equal(['r1']);
  });

  it('Authorization / WWW-Authenticate: scheme and ordered params, quoted kept distinguishable', () => {
    const m = msg(
      'Authorization: Digest username="bob", realm="biloxi.com", nonce="dcd98b", uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae4", algorithm=MD5',
      'WWW-Authenticate: Digest realm="atlanta.com", qop="auth,auth-int", nonce="84a4cc6f", stale=FALSE',
      'Proxy-Authenticate: Digest realm="p", nonce="n"',
      'Proxy-Authorization: Digest username="a", realm="p", nonce="n", uri="sip:x", response="r"',
    );
    const a = m.authorization[0]!;
    expect(a.scheme).to.equal('Digest');
    expect(a.isDigest).to.equal(true);
    expect(a.params.map((p) => p.name)).to.deep.equal(['username', 'realm', 'nonce', 'uri', 'qop', 'nc', 'cnonce', 'response', 'algorithm']);
    expect(a.params.find((p) => p.name === 'qop')).to.deep.equal({ name: 'qop', value: 'auth', quoted: false });
    expect(a.params.find((p) => p.name === 'cnonce')).to.deep.equal({ name: 'cnonce', value: '0a4f113b', quoted: true });
    expect(m.wwwAuthenticate[0]!.param('QOP')).to.equal('auth,auth-int');
    expect(m.wwwAuthenticate[0]!.param('stale')).to.equal('FALSE');
    expect(m.proxyAuthenticate[0]!.param('realm')).to.equal('p');
    expect(m.proxyAuthorization[0]!.param('response')).to.equal('r');
    expect(status(() => msg('Authorization: Digest username="x').authorization)).to.equal(400);
    expect(status(() => msg('Authorization: Digest username').authorization)).to.equal(400);
  });

  it('AuthHeader round-trips and setParam replaces in place', () => {
    const h = parseAuthHeader('Digest realm="a\\"b", nonce=xyz');
    expect(h.param('realm')).to.equal('a"b');
    h.setParam('nonce', 'new', true).setParam('opaque', 'o', true);
    expect(h.toString()).to.equal('Digest realm="a\\"b", nonce="new", opaque="o"');
  });

  it('Event with id, compact o', () => {
    expect(msg('Event: Presence;id=7;extra=1').event).to.deep.include({ type: 'presence', id: '7' });
    expect(msg('o: refer').event!.type).to.equal('refer');
    expect(msg().event).to.equal(undefined);
    expect(status(() => msg('Event: a, b').event)).to.equal(400);
  });

  it('Subscription-State: state, expires, reason, retry-after', () => {
    expect(msg('Subscription-State: active;expires=600').subscriptionState).to.deep.include({ state: 'active', expires: 600 });
    const t = msg('Subscription-State: Terminated;reason=Timeout;retry-after=30').subscriptionState!;
    expect([t.state, t.reason, t.retryAfter]).to.deep.equal(['terminated', 'timeout', 30]);
    expect(status(() => msg('Subscription-State: active;expires=x').subscriptionState)).to.equal(400);
  });

  it('Refer-To (compact r, with embedded Replaces header) and Referred-By (b)', () => {
    const m = msg('r: <sip:carol@example.com?Replaces=abc%40h%3Bto-tag%3D1%3Bfrom-tag%3D2>', 'b: <sip:alice@example.com>;cid="1@h"');
    expect((m.referTo!.uri as SipUri).headers).to.deep.equal([['Replaces', 'abc%40h%3Bto-tag%3D1%3Bfrom-tag%3D2']]);
    expect(m.referredBy!.param('cid')).to.equal('1@h');
  });

  it('Replaces: call-id, tags, early-only', () => {
    expect(msg('Replaces: 425928@bobster.example.org;to-tag=7743;from-tag=6472;early-only').replaces).to.deep.include({
      callId: '425928@bobster.example.org',
      toTag: '7743',
      fromTag: '6472',
      earlyOnly: true,
    });
    expect(status(() => msg('Replaces: abc;to-tag=1').replaces)).to.equal(400);
  });

  it('RSeq and RAck', () => {
    const m = msg('RSeq: 988789', 'RAck: 776656 1 INVITE');
    expect(m.rseq).to.equal(988789);
    expect(m.rack).to.deep.equal({ rseq: 776656, cseq: 1, method: 'INVITE' });
    expect(status(() => msg('RAck: 1 INVITE').rack)).to.equal(400);
  });

  it('Session-Expires (compact x) and Min-SE', () => {
    expect(msg('x: 1800;refresher=UAC').sessionExpires).to.deep.include({ delta: 1800, refresher: 'uac' });
    expect(msg('Session-Expires: 90').sessionExpires!.refresher).to.equal(undefined);
    expect(msg('Min-SE: 90;lr').minSE).to.equal(90);
    expect(status(() => msg('Session-Expires: 90;refresher=both').sessionExpires)).to.equal(400);
  });

  it('Reason: protocol, cause, text, several values', () => {
    const r = msg('Reason: SIP;cause=200;text="Call completed elsewhere", Q.850;cause=16').reasons;
    expect(r.map((x) => [x.protocol, x.cause, x.text])).to.deep.equal([
      ['SIP', 200, 'Call completed elsewhere'],
      ['Q.850', 16, undefined],
    ]);
    expect(status(() => msg('Reason: SIP;cause=abc').reasons)).to.equal(400);
  });

  it('Retry-After: delta, comment, duration', () => {
    expect(msg('Retry-After: 18000;duration=3600').retryAfter).to.deep.include({ delta: 18000, duration: 3600 });
    expect(msg('Retry-After: 120 (I am in a (nested) meeting)').retryAfter!.comment).to.equal('I am in a (nested) meeting');
    expect(status(() => msg('Retry-After: 949302838503028349304023988').retryAfter)).to.equal(400);
    expect(status(() => msg('Retry-After: 5 (open').retryAfter)).to.equal(400);
  });

  it('caches parsed values until the message is changed through its API', () => {
    const m = msg('Expires: 10');
    expect(m.expires).to.equal(10);
    m.setHeader('expires', 20);
    expect(m.expires).to.equal(20);
    expect(m.from.tag).to.equal('f');
    m.setHeader('From', '<sip:z@example.com>;tag=changed');
    expect(m.from.tag).to.equal('changed');
    m.removeHeader('Via');
    expect(m.topVia).to.equal(undefined);
  });
});
