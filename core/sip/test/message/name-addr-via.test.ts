import { expect } from 'chai';
import type { SipUri} from '@rvoip/sip';
import { NameAddr, SipParseError, Via, parseNameAddr, parseNameAddrs, parseUri, parseVias } from '@rvoip/sip';

function status(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(SipParseError);
    return (e as SipParseError).status;
  }
  return -1;
}

describe('NameAddr', () => {
  it('parses a quoted display name with quoted-pairs, the URI and ordered params', () => {
    const n = parseNameAddr('"Bob \\"the\\" Builder" <sip:bob@example.com;transport=tcp>;tag=abc;Expires=60;flag');
    expect(n.displayName).to.equal('Bob "the" Builder');
    expect((n.uri as SipUri).transport).to.equal('tcp');
    expect(n.tag).to.equal('abc');
    expect([...n.params]).to.deep.equal([
      ['tag', 'abc'],
      ['expires', '60'],
      ['flag', null],
    ]);
    expect(n.param('EXPIRES')).to.equal('60');
  });

  it('accepts token display names (several tokens, none before <)', () => {
    expect(parseNameAddr('Bob Smith <sip:b@h>').displayName).to.equal('Bob Smith');
    expect(parseNameAddr('<sip:b@h>').displayName).to.equal(undefined);
  });

  it('gives params after an unbracketed addr-spec to the header, not the URI', () => {
    const n = parseNameAddr('sip:alice@example.com;tag=1;transport=udp');
    expect((n.uri as SipUri).params.size).to.equal(0);
    expect([...n.params]).to.deep.equal([
      ['tag', '1'],
      ['transport', 'udp'],
    ]);
    expect(n.bracketed).to.equal(false);
  });

  it('refuses ? in an unbracketed URI and garbage after the value with 400', () => {
    expect(status(() => parseNameAddr('sip:a@h?Route=x'))).to.equal(400);
    expect(status(() => parseNameAddr('<sip:a@h> junk'))).to.equal(400);
    expect(status(() => parseNameAddr('"unterminated <sip:a@h>'))).to.equal(400);
    expect(status(() => parseNameAddr('<sip:a@h'))).to.equal(400);
    expect(status(() => parseNameAddr('<sip:a@h>;;'))).to.equal(400);
    expect(status(() => parseNameAddr('<sip:a@h>, <sip:b@h>'))).to.equal(400);
  });

  it('parses the URI lazily: a malformed one raises 400 when read', () => {
    const n = parseNameAddr('<sip:a@exa mple.com>;tag=1');
    expect(n.tag).to.equal('1');
    expect(status(() => n.uri)).to.equal(400);
  });

  it('splits lists at top-level commas only', () => {
    const list = parseNameAddrs('"Doe, John" <sip:j@h;a=1>;q=0.5, sip:k@h ,<sip:l@h>');
    expect(list.map((n) => n.displayName)).to.deep.equal(['Doe, John', undefined, undefined]);
    expect(list.map((n) => n.uriString)).to.deep.equal(['sip:j@h;a=1', 'sip:k@h', 'sip:l@h']);
    expect(status(() => parseNameAddrs('<sip:a@h>,,<sip:b@h>'))).to.equal(400);
    expect(status(() => parseNameAddrs('<sip:a@h>,'))).to.equal(400);
  });

  it('serializes with brackets whenever the URI or a display name needs them', () => {
    expect(parseNameAddr('sip:a@h;tag=1').toString()).to.equal('sip:a@h;tag=1');
    const n = new NameAddr(parseUri('sip:a@h;lr'), 'Al "x"');
    n.tag = 't1';
    expect(n.toString()).to.equal('"Al \\"x\\"" <sip:a@h;lr>;tag=t1');
    n.tag = undefined;
    expect(n.toString()).to.equal('"Al \\"x\\"" <sip:a@h;lr>');
    const c = n.clone();
    c.params.set('q', '1');
    expect(n.params.has('q')).to.equal(false);
  });
});

describe('Via', () => {
  it('parses sent-protocol, sent-by and the well-known params', () => {
    const [v] = parseVias('SIP/2.0/udp 192.0.2.1:5060;branch=z9hG4bK77;received=10.0.0.1;rport=5070;maddr=224.0.0.1;ttl=16');
    expect([v!.protocol, v!.transport, v!.host, v!.port]).to.deep.equal(['SIP/2.0', 'UDP', '192.0.2.1', 5060]);
    expect([v!.branch, v!.received, v!.rport, v!.maddr, v!.ttl]).to.deep.equal(['z9hG4bK77', '10.0.0.1', 5070, '224.0.0.1', 16]);
    expect(v!.isRfc3261Branch).to.equal(true);
  });

  it('distinguishes rport absent, present without value, and filled', () => {
    expect(parseVias('SIP/2.0/UDP h;branch=z9hG4bKx')[0]!.rport).to.equal(undefined);
    expect(parseVias('SIP/2.0/UDP h;rport;branch=z9hG4bKx')[0]!.rport).to.equal(null);
    const v = parseVias('SIP/2.0/UDP h;rport;branch=z9hG4bKx')[0]!;
    v.rport = 6000;
    v.received = '198.51.100.7';
    expect(v.toString()).to.equal('SIP/2.0/UDP h;rport=6000;branch=z9hG4bKx;received=198.51.100.7');
  });

  it('tolerates LWS everywhere the grammar allows it and IPv6 sent-by', () => {
    const vias = parseVias('SIP / 2.0 / TCP  [2001:db8::1] : 5061 ; branch = z9hG4bKa , SIP/2.0/WSS ws.example.com;branch=z9hG4bKb');
    expect(vias.map((v) => [v.transport, v.host, v.port, v.branch])).to.deep.equal([
      ['TCP', '[2001:db8::1]', 5061, 'z9hG4bKa'],
      ['WSS', 'ws.example.com', undefined, 'z9hG4bKb'],
    ]);
  });

  it('rejects malformed values with 400', () => {
    for (const bad of [
      'SIP/2.0/UDP',
      'SIP/3.0/UDP h',
      'HTTP/2.0/UDP h',
      'SIP/2.0/UDP h;;',
      'SIP/2.0/UDP h:port',
      'SIP/2.0/UDP h;ttl=300',
      'SIP/2.0/UDP h;rport=abc',
      'SIP/2.0/UDP h;branch',
      'SIP/2.0/UDP h,',
      'SIP/2.0/UDPh',
    ]) {
      expect(status(() => parseVias(bad)), bad).to.equal(400);
    }
  });

  it('builds and clones', () => {
    const v = new Via('tls', 'proxy.example.com', 5061);
    v.branch = 'z9hG4bKnew';
    v.rport = null;
    expect(v.toString()).to.equal('SIP/2.0/TLS proxy.example.com:5061;branch=z9hG4bKnew;rport');
    const c = v.clone();
    c.branch = 'z9hG4bKother';
    expect(v.branch).to.equal('z9hG4bKnew');
    expect(c.sentBy).to.equal('proxy.example.com:5061');
  });
});
