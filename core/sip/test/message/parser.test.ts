import { expect } from 'chai';
import type { SipRequest, SipResponse } from '@rvoip/sip';
import { SipHeaders, SipParseError, SipRequest as Req, parseMessage, serializeMessage } from '@rvoip/sip';

const HEAD = [
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKp1',
  'Max-Forwards: 70',
  'From: <sip:a@example.com>;tag=1',
  'To: <sip:b@example.com>',
  'Call-ID: parser@example.com',
  'CSeq: 1 OPTIONS',
];

function raw(start: string, headers: string[], body = '', eol = '\r\n'): Buffer {
  return Buffer.from([start, ...headers].join(eol) + eol + eol + body, 'utf8');
}

function err(fn: () => unknown): SipParseError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(SipParseError);
    return e as SipParseError;
  }
  expect.fail('expected a SipParseError');
}

describe('parseMessage', () => {
  it('parses a request: method, Request-URI, headers in order, body by Content-Length', () => {
    const m = parseMessage(raw('OPTIONS sip:b@example.com SIP/2.0', [...HEAD, 'Content-Length: 4'], 'abcdEXTRA')) as SipRequest;
    expect([m.isRequest, m.method, m.rawUri, m.version]).to.deep.equal([true, 'OPTIONS', 'sip:b@example.com', 'SIP/2.0']);
    expect(m.body.toString()).to.equal('abcd');
    expect([...m.headers].map((f) => f.name)).to.deep.equal(['Via', 'Max-Forwards', 'From', 'To', 'Call-ID', 'CSeq', 'Content-Length']);
  });

  it('parses a response with an empty or UTF-8 reason phrase', () => {
    const r = parseMessage(raw('SIP/2.0 180 Ça sonne', [...HEAD])) as SipResponse;
    expect([r.isRequest, r.status, r.reason]).to.deep.equal([false, 180, 'Ça sonne']);
    expect((parseMessage(raw('SIP/2.0 100', HEAD)) as SipResponse).reason).to.equal('');
  });

  it('unfolds continuation lines into single spaces and keeps unknown headers verbatim', () => {
    const m = parseMessage(raw('OPTIONS sip:b@example.com SIP/2.0', [...HEAD, 'X-Long: one', ' \t two', '\tthree', 'X-Odd:  ;;,, ']));
    expect(m.headers.get('x-long')).to.equal('one two three');
    expect(m.headers.get('X-ODD')).to.equal(';;,,');
  });

  it('understands compact forms for lookups and keeps their spelling', () => {
    const m = parseMessage(
      raw('OPTIONS sip:b@example.com SIP/2.0', [
        'v: SIP/2.0/UDP h;branch=z9hG4bKc',
        'f: <sip:a@h>;tag=x',
        't: <sip:b@h>',
        'i: compact@h',
        'CSeq: 2 OPTIONS',
        'l: 0',
      ]),
    );
    expect([m.topVia!.branch, m.from.tag, m.callId, m.contentLength]).to.deep.equal(['z9hG4bKc', 'x', 'compact@h', 0]);
    expect(m.headers.has('Via')).to.equal(true);
    expect(serializeMessage(m).toString()).to.contain('\r\nv: SIP/2.0/UDP h;branch=z9hG4bKc\r\n');
  });

  it('tolerates leading CRLFs and bare-LF line ends', () => {
    const m = parseMessage(Buffer.concat([Buffer.from('\r\n\r\n'), raw('OPTIONS sip:b@h SIP/2.0', HEAD, '', '\n')]));
    expect(m.callId).to.equal('parser@example.com');
  });

  it('takes the rest of the datagram as body when Content-Length is absent', () => {
    const m = parseMessage(raw('OPTIONS sip:b@h SIP/2.0', HEAD, 'hello'));
    expect(m.body.toString()).to.equal('hello');
  });

  it('answers 413 above maxSize, 505 for another version, 416 for an unknown scheme', () => {
    const big = raw('OPTIONS sip:b@h SIP/2.0', HEAD, 'x'.repeat(2000));
    expect(err(() => parseMessage(big, { maxSize: 1000 })).status).to.equal(413);
    expect(err(() => parseMessage(raw('OPTIONS sip:b@h SIP/3.0', HEAD))).status).to.equal(505);
    expect(err(() => parseMessage(raw('OPTIONS mailto:b@h SIP/2.0', HEAD))).status).to.equal(416);
  });

  it('answers 400 for malformed start lines and header lines', () => {
    for (const [start, headers] of [
      ['OPTIONS sip:b@h', HEAD],
      ['OPTIONS sip:b@h SIP/2.0 ', HEAD],
      ['OPT(IONS sip:b@h SIP/2.0', HEAD],
      ['OPTIONS sip:b@h SIP/two', HEAD],
      ['OPTIONS sip:b@h SIP/2.0', [...HEAD, 'no colon here']],
      ['OPTIONS sip:b@h SIP/2.0', [...HEAD, ': empty name']],
      ['OPTIONS sip:b@h SIP/2.0', [...HEAD, 'Bad Name: x']],
      ['OPTIONS sip:b@h SIP/2.0', [' folded-first: x', ...HEAD]],
    ] as Array<[string, string[]]>) {
      expect(err(() => parseMessage(raw(start, headers))).status, start + headers.join('|')).to.equal(400);
    }
    expect(err(() => parseMessage(Buffer.from('OPTIONS sip:b@h SIP/2.0\r\nVia: x\r\n'))).status).to.equal(400);
  });

  it('drops (status 0) any malformed response, including status codes outside 100-699', () => {
    for (const start of ['SIP/2.0 099 Low', 'SIP/2.0 700 High', 'SIP/2.0 20 OK', 'SIP/2.0 2000 OK', 'SIP/3.0 200 OK']) {
      const e = err(() => parseMessage(raw(start, HEAD)));
      expect(e.status, start).to.equal(0);
    }
  });

  it('treats a keep-alive datagram as nothing to answer', () => {
    expect(err(() => parseMessage(Buffer.from('\r\n\r\n'))).status).to.equal(0);
  });

  it('checks a single CSeq against the method; validate:true checks the mandatory headers', () => {
    expect(err(() => parseMessage(raw('INVITE sip:b@h SIP/2.0', HEAD))).status).to.equal(400);
    const noVia = raw('OPTIONS sip:b@h SIP/2.0', HEAD.slice(1));
    expect(parseMessage(noVia).isRequest).to.equal(true);
    expect(err(() => parseMessage(noVia, { validate: true })).message).to.match(/Via/);
  });

  it('reads UTF-8 header values, and Latin-1 ones that are not valid UTF-8', () => {
    const utf8 = parseMessage(raw('OPTIONS sip:b@h SIP/2.0', [...HEAD, 'Subject: déjà vu']));
    expect(utf8.headers.get('subject')).to.equal('déjà vu');
    const latin = Buffer.concat([
      raw('OPTIONS sip:b@h SIP/2.0', HEAD).subarray(0, -2),
      Buffer.from('Subject: d\xe9j\xe0\r\n\r\n', 'latin1'),
    ]);
    const m = parseMessage(latin);
    expect(m.headers.get('subject')).to.equal('d\u00e9j\u00e0');
    const again = parseMessage(serializeMessage(m));
    expect(again.headers.get('subject')).to.equal('d\u00e9j\u00e0');
  });
});

describe('serializeMessage', () => {
  it('writes headers verbatim and in order with a corrected Content-Length', () => {
    const m = parseMessage(raw('OPTIONS sip:b@h SIP/2.0', [...HEAD, 'X-A: 1', 'l: 99', 'X-B: 2', 'Content-Length: 99'], 'x'.repeat(99)));
    m.body = Buffer.from('short');
    expect(serializeMessage(m).toString()).to.equal(
      ['OPTIONS sip:b@h SIP/2.0', ...HEAD, 'X-A: 1', 'l: 5', 'X-B: 2', '', 'short'].join('\r\n'),
    );
  });

  it('adds Content-Length when absent and keeps binary bodies intact', () => {
    const m = new Req('MESSAGE', 'sip:b@h', new SipHeaders([{ name: 'Call-ID', value: 'x' }]), Buffer.from([0, 255, 13, 10]));
    const out = serializeMessage(m);
    expect(out.subarray(0, out.length - 4).toString()).to.equal('MESSAGE sip:b@h SIP/2.0\r\nCall-ID: x\r\nContent-Length: 4\r\n\r\n');
    expect([...out.subarray(out.length - 4)]).to.deep.equal([0, 255, 13, 10]);
  });

  it('is stable: serialize(parse(serialize(parse(x)))) equals serialize(parse(x))', () => {
    const x = raw('SIP/2.0 200 OK', ['Via : SIP/2.0/UDP h;branch=z9hG4bK1', ' ;received=1.2.3.4', ...HEAD.slice(1), 'Content-Length: 2'], 'ok');
    const once = serializeMessage(parseMessage(x));
    const twice = serializeMessage(parseMessage(once));
    expect(twice.equals(once)).to.equal(true);
    expect(once.toString()).to.contain('Via: SIP/2.0/UDP h;branch=z9hG4bK1 ;received=1.2.3.4\r\n');
  });

  it('reflects edits made through the message API', () => {
    const m = parseMessage(raw('OPTIONS sip:b@h SIP/2.0', HEAD)) as SipRequest;
    m.headers.prepend('Via', 'SIP/2.0/TCP proxy;branch=z9hG4bKtop');
    m.invalidate();
    m.setHeader('Max-Forwards', m.maxForwards! - 1);
    const out = parseMessage(serializeMessage(m));
    expect(out.vias.map((v) => v.branch)).to.deep.equal(['z9hG4bKtop', 'z9hG4bKp1']);
    expect(out.maxForwards).to.equal(69);
  });
});

describe('parseMessage: values read in place in the received text', () => {
  it('reads the same values as the header strings would give, and words errors with the value alone', () => {
    const head = [
      'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKp1;ttl=300',
      'Max-Forwards: 70',
      'From: "A \\"x\\"" <sip:a@example.com;transport=tcp>;tag=1;tag=2',
      'To: B C  <sip:b@example.com>;x=1 ;y',
      'Call-ID: inplace@example.com',
      'CSeq: 7 OPTIONS',
      'Contact: <sip:a@192.0.2.1:5060>;expires=60, sip:c@h;q=0.5',
    ];
    const m = parseMessage(raw('OPTIONS sip:b@example.com SIP/2.0', head)) as SipRequest;
    expect(m.from.displayName).to.equal('A "x"');
    expect(m.from.tag).to.equal('1');
    expect(m.from.uri.toString()).to.equal('sip:a@example.com;transport=tcp');
    expect(m.to.displayName).to.equal('B C');
    expect(m.to.tag).to.equal(undefined);
    expect(m.to.toString()).to.equal('"B C" <sip:b@example.com>;x=1 ;y');
    expect(m.contacts.map((c) => [c.uriString, c.param('expires'), c.param('q')])).to.deep.equal([
      ['sip:a@192.0.2.1:5060', '60', undefined],
      ['sip:c@h', undefined, '0.5'],
    ]);
    // The top Via is read in place; its ttl=300 is out of range, which only the Via's own text names.
    const e = err(() => m.topVia);
    expect(e.message).to.equal('Via: bad ttl in "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKp1;ttl=300"');
  });

  it('reports param and URI errors of a value as for that value alone', () => {
    const bad = parseMessage(
      raw('OPTIONS sip:b@example.com SIP/2.0', [...HEAD.filter((h) => !h.startsWith('From')), 'From: <sip:a@exa mple.com>;tag=1 ;=x']),
    );
    expect(err(() => bad.from).message).to.equal('From: empty parameter name at offset 28');
    const badUri = parseMessage(raw('OPTIONS sip:b@example.com SIP/2.0', [...HEAD.filter((h) => !h.startsWith('To')), 'To: <sip:b@exa mple.com>']));
    expect(err(() => badUri.to.uri).message).to.equal(`To: malformed URI "sip:b@exa mple.com": character ' ' not allowed in the host`);
  });
});
