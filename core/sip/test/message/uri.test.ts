import { expect } from 'chai';
import { GenericUri, SipParseError, SipUri, TelUri, parseAnyUri, parseUri, unescapeUri } from '@rvoip/sip';

function sip(text: string): SipUri {
  const u = parseUri(text);
  expect(u).to.be.instanceOf(SipUri);
  return u as SipUri;
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

describe('SipUri', () => {
  it('parses every part of a full SIP URI', () => {
    const u = sip('sips:alice:secret@atlanta.example.com:5061;transport=TCP;lr;maddr=239.1.1.1?subject=project&priority=urgent');
    expect(u.scheme).to.equal('sips');
    expect([u.user, u.password, u.host, u.port]).to.deep.equal(['alice', 'secret', 'atlanta.example.com', 5061]);
    expect([...u.params]).to.deep.equal([
      ['transport', 'TCP'],
      ['lr', null],
      ['maddr', '239.1.1.1'],
    ]);
    expect(u.transport).to.equal('tcp');
    expect(u.headers).to.deep.equal([
      ['subject', 'project'],
      ['priority', 'urgent'],
    ]);
  });

  it('keeps IPv6 references in brackets, with or without a port', () => {
    expect(sip('sip:[2001:db8::10]').host).to.equal('[2001:db8::10]');
    const u = sip('sip:bob@[2001:db8::10]:5070;transport=udp');
    expect([u.host, u.port, u.transport]).to.deep.equal(['[2001:db8::10]', 5070, 'udp']);
    expect(u.toString()).to.equal('sip:bob@[2001:db8::10]:5070;transport=udp');
    expect(status(() => parseUri('sip:[2001:db8::10'))).to.equal(400);
    expect(status(() => parseUri('sip:[2001:zz::1]'))).to.equal(400);
  });

  it('lower-cases param names but keeps values raw', () => {
    const u = sip('sip:host;Transport=UDP;X-Foo=BaR');
    expect(u.params.get('transport')).to.equal('UDP');
    expect(u.params.get('x-foo')).to.equal('BaR');
  });

  it('keeps %HEX escapes raw and decodes them only on request, once', () => {
    const u = sip('sip:%61lice%2540x@example.com;p=%41');
    expect(u.user).to.equal('%61lice%2540x');
    expect(u.userUnescaped).to.equal('alice%40x');
    expect(unescapeUri('%25%34%31')).to.equal('%41');
    expect(unescapeUri('a%00b')).to.equal('a\u0000b');
    expect(unescapeUri('%E2%82%AC')).to.equal('\u20ac');
    expect(u.toString()).to.equal('sip:%61lice%2540x@example.com;p=%41');
  });

  it('rejects malformed escapes, characters and ports with 400', () => {
    for (const bad of [
      'sip:al%zzice@example.com',
      'sip:alice@exa mple.com',
      'sip:alice@example.com:99999',
      'sip:alice@example.com:',
      'sip:alice@example.com:50x0',
      'sip:@example.com',
      'sip:',
      'sip:host;;lr',
      'sip:host;=v',
      'sip:host?novalue',
      'sip:a"b@host',
      'nocolon',
      '1sip:host',
    ]) {
      expect(status(() => parseUri(bad)), bad).to.equal(400);
    }
  });

  it('throws 416 for schemes other than sip, sips and tel', () => {
    expect(status(() => parseUri('http://example.com/'))).to.equal(416);
    expect(status(() => parseUri('mailto:a@b'))).to.equal(416);
  });

  it('parses the user part up to the first @ even when it holds ; ? and :', () => {
    const u = sip('sip:user;par=u%40example.net@example.com');
    expect([u.user, u.host, u.params.size]).to.deep.equal(['user;par=u%40example.net', 'example.com', 0]);
  });

  describe('equals (RFC 3261 19.1.4)', () => {
    const eq = (a: string, b: string): boolean => parseUri(a).equals(parseUri(b));

    it('treats the RFC equivalent examples as equal', () => {
      expect(eq('sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp')).to.equal(true);
      expect(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5')).to.equal(true);
      expect(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;security=on')).to.equal(true);
      expect(eq('sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com')).to.equal(true);
      expect(eq('sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x')).to.equal(true);
    });

    it('treats the RFC non-equivalent examples as different', () => {
      expect(eq('SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP')).to.equal(false);
      expect(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060')).to.equal(false);
      expect(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp')).to.equal(false);
      expect(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp')).to.equal(false);
      expect(eq('sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting')).to.equal(false);
      expect(eq('sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4')).to.equal(false);
      expect(eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off')).to.equal(false);
      expect(eq('sip:a@h', 'sips:a@h')).to.equal(false);
    });
  });

  it('clones deeply and serializes back', () => {
    const u = sip('sip:a@h;lr?x=1');
    const c = u.clone();
    c.params.set('transport', 'tcp');
    c.headers.push(['y', '2']);
    expect(u.toString()).to.equal('sip:a@h;lr?x=1');
    expect(c.toString()).to.equal('sip:a@h;lr;transport=tcp?x=1&y=2');
  });

  it('builds from parts', () => {
    const u = new SipUri({ user: 'bob', host: 'example.com', port: 5080, params: { transport: 'tls' } });
    expect(u.toString()).to.equal('sip:bob@example.com:5080;transport=tls');
    expect(u.param('TRANSPORT')).to.equal('tls');
  });
});

describe('TelUri', () => {
  it('parses global and local numbers with params', () => {
    const t = parseUri('tel:+1-201-555-0123;ext=1234') as TelUri;
    expect(t).to.be.instanceOf(TelUri);
    expect([t.number, t.isGlobal, t.params.get('ext')]).to.deep.equal(['+1-201-555-0123', true, '1234']);
    const l = parseUri('tel:7042;phone-context=example.com') as TelUri;
    expect([l.isGlobal, l.params.get('phone-context')]).to.deep.equal([false, 'example.com']);
    expect(l.toString()).to.equal('tel:7042;phone-context=example.com');
  });

  it('ignores visual separators when comparing', () => {
    expect(parseUri('tel:+1-201-555-0123').equals(parseUri('tel:+1(201)5550123'))).to.equal(true);
    expect(parseUri('tel:+1-201-555-0123').equals(parseUri('tel:+1-201-555-0124'))).to.equal(false);
  });

  it('rejects an empty or malformed number', () => {
    expect(status(() => parseUri('tel:'))).to.equal(400);
    expect(status(() => parseUri('tel:12 34'))).to.equal(400);
  });
});

describe('parseAnyUri', () => {
  it('keeps unknown schemes opaque', () => {
    const u = parseAnyUri('urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6');
    expect(u).to.be.instanceOf(GenericUri);
    expect([u.scheme, (u as GenericUri).value]).to.deep.equal(['urn', 'uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6']);
    expect(u.toString()).to.equal('urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6');
    expect(status(() => parseAnyUri('http:'))).to.equal(400);
    expect(status(() => parseAnyUri('http://a b'))).to.equal(400);
  });
});
