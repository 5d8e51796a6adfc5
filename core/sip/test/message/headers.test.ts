import { expect } from 'chai';
import { SipHeaders, canonicalHeaderName, headerKey, parseMessage, serializeMessage } from '@rvoip/sip';

function received(): SipHeaders {
  return parseMessage(
    Buffer.from(
      'OPTIONS sip:b@h SIP/2.0\r\nv: SIP/2.0/UDP a;branch=z9hG4bK1\r\nX-Custom: one\r\nVia: SIP/2.0/UDP b;branch=z9hG4bK2\r\n' +
        'f: <sip:a@h>;tag=1\r\nTO: <sip:b@h>\r\ni: h@x\r\nCSeq: 1 OPTIONS\r\nx-custom: two\r\nl: 0\r\n\r\n',
    ),
  ).headers;
}

describe('SipHeaders', () => {
  it('maps compact forms and case to one key, and writes canonical names', () => {
    expect(['v', 'VIA', 'Via'].map(headerKey)).to.deep.equal(['via', 'via', 'via']);
    expect(['i', 'Call-Id', 'l', 'k', 'o', 'x'].map(headerKey)).to.deep.equal([
      'call-id', 'call-id', 'content-length', 'supported', 'event', 'session-expires',
    ]);
    expect(['call-id', 'cseq', 'www-authenticate', 'x-foo-bar', 'rack'].map(canonicalHeaderName)).to.deep.equal([
      'Call-ID', 'CSeq', 'WWW-Authenticate', 'X-Foo-Bar', 'RAck',
    ]);
  });

  it('looks received headers up by any spelling, keeping order and spelling', () => {
    const h = received();
    expect(h.getAll('via')).to.deep.equal(['SIP/2.0/UDP a;branch=z9hG4bK1', 'SIP/2.0/UDP b;branch=z9hG4bK2']);
    expect(h.getAll('X-CUSTOM')).to.deep.equal(['one', 'two']);
    expect([h.get('from'), h.get('t'), h.get('call-id'), h.get('nope')]).to.deep.equal(['<sip:a@h>;tag=1', '<sip:b@h>', 'h@x', undefined]);
    expect([h.count('v'), h.count('x-custom'), h.count('contact'), h.size]).to.deep.equal([2, 2, 0, 9]);
    expect(h.has('Content-Length')).to.equal(true);
    expect([...h].map((f) => f.name)).to.deep.equal(['v', 'X-Custom', 'Via', 'f', 'TO', 'i', 'CSeq', 'x-custom', 'l']);
  });

  it('edits received headers in place (prepend, set, append, remove) keeping the rest verbatim', () => {
    const h = received();
    h.prepend('Via', 'SIP/2.0/TCP top;branch=z9hG4bK0');
    h.set('x-custom', 'only');
    h.append('Record-Route', '<sip:p;lr>');
    h.removeFirst('via');
    h.removeAll('l');
    expect([...h].map((f) => `${f.name}: ${f.value}`)).to.deep.equal([
      'v: SIP/2.0/UDP a;branch=z9hG4bK1',
      'X-Custom: only',
      'Via: SIP/2.0/UDP b;branch=z9hG4bK2',
      'f: <sip:a@h>;tag=1',
      'TO: <sip:b@h>',
      'i: h@x',
      'CSeq: 1 OPTIONS',
      'Record-Route: <sip:p;lr>',
    ]);
    expect(h.getAll('via')).to.have.length(2);
  });

  it('clones independently of the original', () => {
    const h = received();
    const c = h.clone();
    c.set('Call-ID', 'other');
    expect([h.get('i'), c.get('i')]).to.deep.equal(['h@x', 'other']);
  });

  it('works for headers built by the application', () => {
    const h = new SipHeaders();
    h.append('call-id', 'a').append('Via', 'SIP/2.0/UDP x').prepend('via', 'SIP/2.0/UDP y');
    expect([...h].map((f) => f.name)).to.deep.equal(['Call-ID', 'Via', 'Via']);
    expect(h.getAll('v')).to.deep.equal(['SIP/2.0/UDP y', 'SIP/2.0/UDP x']);
  });

  it('serializes a folded, odd-spelled message with unknown headers in their order', () => {
    const m = parseMessage(Buffer.from('OPTIONS sip:b@h SIP/2.0\r\nZ-Last:  z\r\nA-First: a\r\n  folded\r\nCSeq: 1 OPTIONS\r\n\r\n'));
    expect(serializeMessage(m).toString()).to.equal(
      'OPTIONS sip:b@h SIP/2.0\r\nZ-Last: z\r\nA-First: a folded\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
    );
  });
});
