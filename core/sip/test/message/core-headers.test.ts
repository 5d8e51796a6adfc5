import { expect } from 'chai';
import { SipHeaders, SipParseError, Via, parseMessage, parseUnsigned, serializeMessage, stampReceivedVia, validateMessage } from '@rvoip/sip';
import type { SipMessage, SipRequest } from '@rvoip/sip';

function request(headerLines: string[], opts: { validate?: boolean } = {}): SipMessage {
  return parseMessage(Buffer.from(['OPTIONS sip:b@example.com SIP/2.0', ...headerLines].join('\r\n') + '\r\n\r\n', 'latin1'), opts);
}

const BASE = ['From: <sip:a@example.com>;tag=1', 'To: <sip:b@example.com>', 'Call-ID: c1', 'CSeq: 1 OPTIONS'];

/** The same message with its header lines as fields (the path every edit takes). */
function asFields(msg: SipMessage): SipMessage {
  const copy = parseMessage(serializeMessage(msg));
  copy.headers = new SipHeaders([...copy.headers]);
  copy.invalidate();
  return copy;
}

function outcome(read: () => unknown): unknown {
  try {
    return read();
  } catch (e) {
    expect(e).to.be.instanceOf(SipParseError);
    return `${(e as SipParseError).status} ${(e as Error).message}`;
  }
}

describe('Via params recorded by the scan', () => {
  // Each top Via read from the scan must answer as the params text (findParam) does.
  const odd = [
    ';branch=z9hG4bK1',
    ';branch=z9hG4bK1;rport',
    ';branch=z9hG4bK1;RPORT=0123',
    ';branch=z9hG4bK1 ; rport = 5060 ; received = 192.0.2.1',
    ';rport;rport=7;branch=z9hG4bK1',
    ';rport=7;rport;branch=z9hG4bK1',
    ';branch=z9hG4bK1;Received=192.0.2.1;MADDR=224.0.0.1;ttl=3',
    ';branch=z9hG4bK1;receivedx=1;receive=2;maddrx=3;rportx=4',
    ';branch=z9hG4bK1;x="a;rport=9;received=1.2.3.4"',
    ';x=1',
    ';BRANCH=z9hG4bKA;branch=z9hG4bKB;received=1.1.1.1;received=2.2.2.2',
  ];
  for (const params of odd) {
    it(`reads "${params}" as the params text does`, () => {
      const top = request([`Via: SIP/2.0/UDP host.test:5060${params}`, ...BASE]).topVia!;
      const fromText = new Via('UDP', 'host.test', 5060, params);
      expect([top.branch, top.rport, top.received, top.maddr, top.ttl]).to.deep.equal([
        fromText.branch,
        fromText.rport,
        fromText.received,
        fromText.maddr,
        fromText.ttl,
      ]);
    });
  }

  it('follows the params map once it exists', () => {
    const top = request(['Via: SIP/2.0/UDP host.test;branch=z9hG4bK1;rport', ...BASE]).topVia!;
    top.rport = 4000;
    top.received = '192.0.2.7';
    top.maddr = '224.0.0.9';
    top.branch = undefined;
    expect([top.rport, top.received, top.maddr, top.branch]).to.deep.equal([4000, '192.0.2.7', '224.0.0.9', undefined]);
    expect(top.toString()).to.equal('SIP/2.0/UDP host.test;rport=4000;received=192.0.2.7;maddr=224.0.0.9');
  });

  it('still refuses a bad rport, a valueless branch and a bad ttl with 400', () => {
    for (const params of [';rport=65536', ';rport=x', ';branch', ';ttl=256']) {
      expect(outcome(() => request([`Via: SIP/2.0/UDP h${params}`, ...BASE], { validate: true }))).to.match(/^400 /);
    }
  });
});

describe('Max-Forwards, Expires and Content-Length read in place', () => {
  const cases: Array<[string, string[]]> = [
    ['Max-Forwards', []],
    ['Max-Forwards', ['70']],
    ['Max-Forwards', ['070']],
    ['Max-Forwards', ['255']],
    ['Max-Forwards', ['256']],
    ['Max-Forwards', ['7 0']],
    ['Max-Forwards', ['-1']],
    ['Max-Forwards', ['']],
    ['Max-Forwards', ['70', '70']],
    ['Expires', ['600']],
    ['Expires', ['4294967295']],
    ['Expires', ['4294967296']],
    ['Expires', ['60', '61']],
    ['Expires', ['1e3']],
  ];
  for (const [name, values] of cases) {
    it(`${name}: ${JSON.stringify(values)} reads as parseUnsigned says, raw or as fields`, () => {
      const msg = request([...BASE, ...values.map((v) => `${name}: ${v}`)]);
      const read = (m: SipMessage): unknown => (name === 'Expires' ? m.expires : m.maxForwards);
      const expected = outcome(() => parseUnsigned(name, values, name === 'Expires' ? 0xffffffff : 255));
      expect(outcome(() => read(msg))).to.deep.equal(expected);
      expect(outcome(() => read(asFields(msg)))).to.deep.equal(expected);
      // Cached once read, and forgotten by invalidate().
      if (typeof expected === 'number') {
        expect(read(msg)).to.equal(expected);
        msg.setHeader(name, '1');
        expect(read(msg)).to.equal(1);
      }
    });
  }

  it('header lookups by name agree with the known-header index (any spelling)', () => {
    const msg = request([...BASE, 'max-FORWARDS: 70', 'EXPIRES: 5', 'Expires: 6', 'Expiresx: 7', 'Max-Forward: 8']);
    expect(msg.headers.get('Max-Forwards')).to.equal('70');
    expect(msg.headers.getAll('expires')).to.deep.equal(['5', '6']);
    expect(msg.headers.count('EXPIRES')).to.equal(2);
    expect(msg.headers.get('expiresx')).to.equal('7');
    expect(msg.headers.get('max-forward')).to.equal('8');
  });

  it('a repeated Content-Length that agrees still fails validation with 400', () => {
    const msg = request([...BASE, 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'Content-Length: 0', 'Content-Length: 0']);
    expect(outcome(() => validateMessage(msg))).to.equal('400 Content-Length header appears 2 times; exactly one is allowed');
  });
});

describe('stampReceivedVia', () => {
  const source = { protocol: 'udp' as const, localAddress: '127.0.0.1', localPort: 5060, remoteAddress: '192.0.2.9', remotePort: 40000 };

  it('leaves a request alone when sent-by is the source address and there is no rport', () => {
    for (const host of ['192.0.2.9', '[2001:DB8::1]']) {
      const msg = request([`Via: SIP/2.0/UDP ${host}:5060;branch=z9hG4bK1`, ...BASE], { validate: true });
      const before = serializeMessage(msg).toString('latin1');
      const from = host.startsWith('[') ? { ...source, remoteAddress: '2001:db8::1' } : source;
      expect(stampReceivedVia(msg, from)).to.equal(false);
      expect(serializeMessage(msg).toString('latin1')).to.equal(before);
    }
  });

  it('stamps when the hosts differ, also by a Unicode case mapping toLowerCase knows', () => {
    for (const [host, address] of [
      ['host.test', '192.0.2.9'],
      ['192.0.2.99', '192.0.2.9'],
      ['[fe80::1%wlk0]', 'fe80::1%wlk0'],
    ] as const) {
      const msg = request([`Via: SIP/2.0/UDP ${host};branch=z9hG4bK1`, ...BASE], { validate: true });
      const changed = stampReceivedVia(msg, { ...source, remoteAddress: address });
      expect(changed, host).to.equal(host.replace(/[[\]]/g, '') !== address);
    }
    // U+212A KELVIN SIGN lower-cases to 'k': the same host for RFC 3261's comparison as before.
    const kelvin = parseMessage(
      Buffer.from(['OPTIONS sip:b@example.com SIP/2.0', 'Via: SIP/2.0/UDP [fe80::1%wl\u212a0];branch=z9hG4bK1', ...BASE].join('\r\n') + '\r\n\r\n', 'utf8'),
    );
    expect(kelvin.topVia!.host).to.equal('[fe80::1%wl\u212a0]');
    expect(stampReceivedVia(kelvin, { ...source, remoteAddress: 'fe80::1%wlk0' })).to.equal(false);
  });

  it('rewrites a one-value top Via line where it is and keeps the other parsed headers', () => {
    const msg = request(['Max-Forwards: 70', 'v: SIP/2.0/UDP host.test;branch=z9hG4bK1;rport', 'Via: SIP/2.0/TCP second.test;branch=z9hG4bK2', ...BASE], {
      validate: true,
    }) as SipRequest;
    const from = msg.from;
    const clone = msg.headers.clone();
    expect(stampReceivedVia(msg, source)).to.equal(true);
    expect(msg.from).to.equal(from);
    expect(msg.topVia!.rport).to.equal(40000);
    expect(msg.topVia!.received).to.equal('192.0.2.9');
    expect(msg.vias.map((v) => v.host)).to.deep.equal(['host.test', 'second.test']);
    expect([...msg.headers].slice(0, 3)).to.deep.equal([
      { name: 'Max-Forwards', value: '70' },
      { name: 'v', value: 'SIP/2.0/UDP host.test;branch=z9hG4bK1;rport=40000;received=192.0.2.9' },
      { name: 'Via', value: 'SIP/2.0/TCP second.test;branch=z9hG4bK2' },
    ]);
    // Everything after the rewritten line still reads right (its offsets moved).
    expect([msg.callId, msg.cseq.seq, msg.to.uri.toString(), msg.maxForwards]).to.deep.equal(['c1', 1, 'sip:b@example.com', 70]);
    expect(msg.headers.getAll('cseq')).to.deep.equal(['1 OPTIONS']);
    // A copy taken before the stamp keeps the received text.
    expect(clone.get('via')).to.equal('SIP/2.0/UDP host.test;branch=z9hG4bK1;rport');
    const again = parseMessage(serializeMessage(msg), { validate: true });
    expect(again.topVia!.rport).to.equal(40000);
  });

  it('splits a comma-joined first line as replaceTopVia does', () => {
    const msg = request(['Via: SIP/2.0/UDP a.test;branch=z9hG4bK1;rport, SIP/2.0/UDP b.test;branch=z9hG4bK2', ...BASE], { validate: true });
    expect(stampReceivedVia(msg, source)).to.equal(true);
    expect(msg.headers.getAll('via')).to.deep.equal([
      'SIP/2.0/UDP a.test;branch=z9hG4bK1;rport=40000;received=192.0.2.9',
      'SIP/2.0/UDP b.test;branch=z9hG4bK2',
    ]);
    expect(msg.from.tag).to.equal('1');
  });
});

describe('From URI checked without being built', () => {
  const uris = [
    '<sip:alice@example.com>',
    '<sip:alice:secret@example.com:5070;transport=tcp?subject=x&priority=urgent>',
    '<sips:[2001:db8::1]:5061;lr>',
    '<sip::pw@example.com>',
    '<sip:@example.com>',
    '<sip:al%4gce@example.com>',
    '<sip:alice:p w@example.com>',
    '<sip:alice@exa mple.com>',
    '<sip:alice@[2001:db8::1>',
    '<sip:alice@example.com:99999>',
    '<sip:alice@example.com;=x>',
    '<sip:alice@example.com;a=%zz>',
    '<sip:alice@example.com?novalue>',
    '<sip:>',
    '<tel:+1-555-0100;ext=12>',
    '<tel:;x>',
    '<http://example.com/x>',
    '<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>',
    '<1sip:alice@example.com>',
    'sip:alice@example.com',
  ];
  for (const uri of uris) {
    it(`${uri}: validation throws exactly what reading the URI throws`, () => {
      const lines = [`From: ${uri};tag=1`, 'To: <sip:b@example.com>', 'Call-ID: c1', 'CSeq: 1 OPTIONS', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1'];
      const expected = outcome(() => request(lines).from.uri.toString());
      const validated = outcome(() => request(lines, { validate: true }).from.uri.toString());
      expect(validated).to.equal(expected);
    });
  }
});

describe('other typed headers', () => {
  it('are parsed once per message until invalidate(), and a failed read is not kept', () => {
    const msg = request([...BASE, 'Require: 100rel', 'Supported: timer, path', 'Event: presence;id=1', 'RSeq: x']);
    const require = msg.require;
    expect(require).to.deep.equal(['100rel']);
    expect(msg.require).to.equal(require);
    expect(msg.supported).to.deep.equal(['timer', 'path']);
    expect(msg.event).to.deep.include({ type: 'presence' });
    expect(msg.allow).to.deep.equal([]);
    expect(msg.referTo).to.equal(undefined);
    expect(outcome(() => msg.rseq)).to.match(/^400 /);
    msg.setHeader('RSeq', '5');
    expect(msg.rseq).to.equal(5);
    expect(msg.require).to.not.equal(require);
    expect(msg.require).to.deep.equal(['100rel']);
  });
});

describe('line index', () => {
  it('indexes a message of thousands of lines, then a small one, each with its own values', () => {
    const many = Array.from({ length: 3000 }, (_v, i) => `X-H${i}: v${i}`);
    const big = request(['Via: SIP/2.0/UDP h;branch=z9hG4bK1', ...BASE, ...many], { validate: true });
    const small = request(['Via: SIP/2.0/UDP s;branch=z9hG4bK2', ...BASE], { validate: true });
    expect(big.headers.size).to.equal(3005);
    expect(big.headers.get('x-h2999')).to.equal('v2999');
    expect(big.topVia!.host).to.equal('h');
    expect(small.headers.size).to.equal(5);
    expect([small.topVia!.branch, small.cseq.seq, small.headers.get('x-h1')]).to.deep.equal(['z9hG4bK2', 1, undefined]);
    expect(big.headers.get('X-H1')).to.equal('v1');
  });

  it('a rewritten line shifts the later ones, shorter or longer', () => {
    for (const via of ['SIP/2.0/UDP a;branch=z9hG4bK1;rport;x=' + 'y'.repeat(40), 'SIP/2.0/UDP a;rport']) {
      const msg = request([`Via: ${via}`, ...BASE, 'Expires: 5', 'X-Last: end'], { validate: true });
      stampReceivedVia(msg, { protocol: 'udp', localAddress: '127.0.0.1', localPort: 5060, remoteAddress: '192.0.2.9', remotePort: 1 });
      expect(msg.headers.get('via')).to.equal(via.replace(';rport', ';rport=1') + ';received=192.0.2.9');
      expect([msg.headers.get('x-last'), msg.expires, msg.headers.get('call-id')]).to.deep.equal(['end', 5, 'c1']);
      expect(parseMessage(serializeMessage(msg), { validate: true }).headers.get('X-Last')).to.equal('end');
    }
  });
});
