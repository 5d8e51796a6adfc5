/**
 * RFC 4475 torture messages: one test per file, asserting the verdict the corpus README
 * gives (../shared/sip-torture/README.md). Parser-level behaviour only; what a UA or
 * registrar answers is asserted through what the parser exposes to let it decide.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SipMessage, SipRequest, SipResponse } from '@rvoip/sip';
import {
  GenericUri,
  SipParseError,
  SipUri,
  StreamFramer,
  parseMessage,
  parseUri,
  serializeMessage,
  unescapeUri,
  validateMessage,
} from '@rvoip/sip';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const DIR = resolve(ROOT, '../shared/sip-torture/rfc4475');

function load(name: string): Buffer {
  return readFileSync(resolve(DIR, `${name}.dat`));
}

/** Parses, validates, and checks serialize/parse stability. */
function ok(name: string): SipMessage {
  const msg = parseMessage(load(name));
  validateMessage(msg);
  stable(msg);
  return msg;
}

function req(name: string): SipRequest {
  const m = ok(name);
  expect(m.isRequest).to.equal(true);
  return m as SipRequest;
}

function parsedOnly(name: string): SipMessage {
  const msg = parseMessage(load(name));
  stable(msg);
  return msg;
}

function stable(msg: SipMessage): void {
  const once = serializeMessage(msg);
  const again = parseMessage(once);
  const twice = serializeMessage(again);
  expect(twice.equals(once), 'second serialization is byte-identical').to.equal(true);
  expect([...again.headers].filter((f) => f.name.toLowerCase() !== 'content-length' && f.name !== 'l' && f.name !== 'L'))
    .to.deep.equal([...msg.headers].filter((f) => f.name.toLowerCase() !== 'content-length' && f.name !== 'l' && f.name !== 'L'));
  expect(again.body.equals(msg.body)).to.equal(true);
}

function fails(fn: () => unknown, status: number, match?: RegExp): SipParseError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(SipParseError);
    const err = e as SipParseError;
    expect(err.status, err.message).to.equal(status);
    if (match) expect(err.message).to.match(match);
    return err;
  }
  expect.fail(`expected SipParseError ${status}`);
}

function sipUri(u: unknown): SipUri {
  expect(u).to.be.instanceOf(SipUri);
  return u as SipUri;
}

describe('RFC 4475 torture messages', function () {
  before(function () {
    if (!existsSync(DIR)) {
      console.warn(`RFC 4475 corpus not found at ${DIR}: torture tests skipped`);
      this.skip();
    }
  });

  describe('must parse', () => {
    it('wsinv: folding, odd spacing and case, compact names, unknown headers verbatim, leading zeros', () => {
      const m = req('wsinv');
      expect(m.method).to.equal('INVITE');
      const ruri = sipUri(m.uri);
      expect([ruri.user, ruri.host, ruri.params.get('unknownparam')]).to.deep.equal(['vivekg', 'chair-dnrc.example.com', null]);
      expect(sipUri(m.to.uri).user).to.equal('vivekg');
      expect(m.to.tag).to.equal('1918181833n');
      expect(m.from.displayName).to.equal('J Rosenberg \\"');
      expect(m.from.tag).to.equal('98asjd8');
      expect(m.maxForwards).to.equal(68);
      expect(m.callId).to.equal('wsinv.ndaksdj@192.0.2.1');
      expect(m.contentLength).to.equal(150);
      expect(m.cseq).to.deep.equal({ seq: 9, method: 'INVITE' });
      expect(m.vias.map((v) => [v.transport, v.host, v.branch])).to.deep.equal([
        ['UDP', '192.0.2.2', '390skdjuw'],
        ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
        ['UDP', '192.168.255.111', 'z9hG4bK30239'],
      ]);
      expect(m.headers.get('subject')).to.equal('');
      expect(m.headers.get('NewFangledHeader')).to.equal('newfangled value continued newfangled value');
      expect(m.headers.get('UnknownHeaderWithUnusualValue')).to.equal(';;,,;;,;');
      const route = sipUri(m.routes[0]!.uri);
      expect([...route.params]).to.deep.equal([
        ['lr', null],
        ['unknownwith', 'value'],
        ['unknown-no-value', null],
      ]);
      const c = m.contacts[0]!;
      expect(c.displayName).to.equal('Quoted string ""');
      expect([...c.params]).to.deep.equal([
        ['newparam', 'newvalue'],
        ['secondparam', null],
        ['q', '0.33'],
      ]);
      expect([...m.headers].map((f) => f.name)).to.deep.equal([
        'TO', 'from', 'MaX-fOrWaRdS', 'Call-ID', 'Content-Length', 'cseq', 'Via', 's', 'NewFangledHeader',
        'UnknownHeaderWithUnusualValue', 'Content-Type', 'Route', 'v', 'm',
      ]);
      expect(m.body.length).to.equal(150);
    });

    it("intmeth: unusual token characters, quoted-pair, UTF-8", () => {
      const m = req('intmeth');
      expect(m.method).to.equal("!interesting-Method0123456789_*+`.%indeed'~");
      const ruri = sipUri(m.uri);
      expect(ruri.user).to.equal("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
      expect(ruri.password).to.equal("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
      expect(ruri.host).to.equal('example.com');
      expect(m.topVia!.branch).to.equal("z9hG4bK-.!%66*_+`'~");
      expect(m.to.displayName).to.equal('BEL:\x07 NUL:\x00 DEL:\x7f');
      expect(m.from.displayName).to.equal("token1~` token2'+_ token3*%!.-");
      expect(m.from.tag).to.equal("_token~1'+`*%!-.");
      expect(m.from.param("fromParam''~+*_!.-%")).to.equal('работающий');
      expect(m.callId).to.equal('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
      expect(m.cseq).to.deep.equal({ seq: 139122385, method: m.method });
      expect(m.maxForwards).to.equal(255);
      expect(m.headers.get("extensionHeader-!.%*+_`'~")).to.equal('\ufeff\u5927\u505c\u96fb');
    });

    it('esc01: %HEX escapes kept, never decoded twice', () => {
      const m = req('esc01');
      const ruri = sipUri(m.uri);
      expect(ruri.user).to.equal('sips%3Auser%40example.com');
      expect(ruri.userUnescaped).to.equal('sips:user@example.com');
      expect(ruri.host).to.equal('example.net');
      const to = sipUri(m.to.uri);
      expect(to.user).to.equal('%75se%72');
      expect(to.equals(parseUri('sip:user@example.com'))).to.equal(true);
      expect(sipUri(m.from.uri).user).to.equal('I%20have%20spaces');
      expect(m.contentType).to.equal('application/sdp');
      const contact = sipUri(m.contacts[0]!.uri);
      expect(contact.user).to.equal('cal%6Cer');
      expect(contact.param('lr')).to.equal(null);
      const v = contact.param('name');
      expect(v).to.equal('v%61lue%25%34%31');
      expect(unescapeUri(v!)).to.equal('value%41');
      expect(m.contacts[0]!.uriString).to.equal('sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31');
    });

    it('escnull: %00 does not truncate; two Contacts stay distinct', () => {
      const m = req('escnull');
      const to = sipUri(m.to.uri);
      expect(to.user).to.equal('null-%00-null');
      expect(to.userUnescaped).to.equal('null-\u0000-null');
      expect(m.contacts.map((c) => sipUri(c.uri).user)).to.deep.equal(['%00', '%00%00']);
      expect(m.contacts.map((c) => sipUri(c.uri).userUnescaped!.length)).to.deep.equal([1, 2]);
      expect(m.contacts[0]!.uri.equals(m.contacts[1]!.uri)).to.equal(false);
    });

    it('esc02: RE%47IST%45R is an unknown method, C%6Fntact an extension header', () => {
      const m = req('esc02');
      expect(m.method).to.equal('RE%47IST%45R');
      expect(m.cseq.method).to.equal('RE%47IST%45R');
      expect(m.contacts.map((c) => sipUri(c.uri).host)).to.deep.equal(['host1.example.com', 'host3.example.com']);
      expect(m.headers.get('C%6Fntact')).to.equal('<sip:alias2@host2.example.com>');
      expect(m.to.displayName).to.equal('%Z%45');
      expect(m.topVia!.branch).to.equal('z9hG4bK209%fzsnel234');
    });

    it('lwsdisp: no space between display-name token and <', () => {
      const m = req('lwsdisp');
      expect(m.from.displayName).to.equal('caller');
      expect(sipUri(m.from.uri).user).to.equal('caller');
      expect(m.from.tag).to.equal('323');
    });

    it('longreq: very long values, 34 Via values mixing compact and long forms', () => {
      const m = req('longreq');
      expect(m.vias).to.have.length(34);
      expect(m.vias[0]!.host).to.equal('sip33.example.com');
      expect(m.to.displayName).to.match(/^I have a user name of (extreme){10} proportion$/);
      expect(sipUri(m.to.uri).port).to.equal(6000);
      expect(m.from.tag).to.match(/^1(298){10}/);
      expect(m.callId).to.match(/^longreq\.one(really){20}longcallid$/);
      expect(m.cseq.seq).to.equal(3882340);
      expect(m.body.length).to.equal(150);
    });

    it('dblreq: Content-Length 0 then garbage: the REGISTER is used, the rest dropped', () => {
      const m = req('dblreq');
      expect(m.method).to.equal('REGISTER');
      expect(m.body.length).to.equal(0);
      expect(m.callId).to.equal('dblreq.0ha0isndaksdj99sdfafnl3lk233412');
      expect(sipUri(m.contacts[0]!.uri).host).to.equal('host.example.com');
    });

    it('semiuri: ; inside the Request-URI user part is user text', () => {
      const m = req('semiuri');
      const ruri = sipUri(m.uri);
      expect(ruri.user).to.equal('user;par=u%40example.net');
      expect(ruri.host).to.equal('example.com');
      expect(ruri.params.size).to.equal(0);
    });

    it('transports: UDP, SCTP, TLS, an unknown transport and TCP', () => {
      const m = req('transports');
      expect(m.vias.map((v) => v.transport)).to.deep.equal(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
    });

    it('mpart01: multipart body with NUL bytes framed by Content-Length', () => {
      const raw = load('mpart01');
      const m = req('mpart01');
      expect(m.contentLength).to.equal(553);
      expect(m.body.length).to.equal(553);
      expect(m.body.includes(0)).to.equal(true);
      expect(m.body.equals(raw.subarray(raw.indexOf('\r\n\r\n') + 4, raw.indexOf('\r\n\r\n') + 4 + 553))).to.equal(true);
      expect(m.contentType).to.equal('multipart/mixed');
    });

    it('unreason: UTF-8 reason phrase', () => {
      const m = ok('unreason') as SipResponse;
      const first = load('unreason').toString('utf8').split('\r\n')[0]!;
      expect(m.status).to.equal(200);
      expect(m.reason).to.equal(first.slice('SIP/2.0 200 '.length));
      expect(m.reason).to.contain('\u043d\u043e');
    });

    it('noreason: empty reason phrase', () => {
      const m = ok('noreason') as SipResponse;
      expect([m.status, m.reason]).to.deep.equal([100, '']);
    });

    it('inv2543: RFC 2543 INVITE (no cookie, no From tag, no Content-Length over UDP)', () => {
      const raw = load('inv2543');
      const m = req('inv2543');
      expect(m.topVia!.branch).to.equal(undefined);
      expect(m.topVia!.isRfc3261Branch).to.equal(false);
      expect(m.from.tag).to.equal(undefined);
      expect(m.contentLength).to.equal(undefined);
      expect(m.maxForwards).to.equal(undefined);
      expect(m.body.equals(raw.subarray(raw.indexOf('\r\n\r\n') + 4))).to.equal(true);
      expect(sipUri(m.recordRoutes[0]!.uri).params.get('maddr')).to.equal('ss1.example.com');
    });
  });

  describe('must be rejected or handled exactly', () => {
    it('badinv01: stray ;;,;,, in Via and Contact: 400', () => {
      const m = parseMessage(load('badinv01'));
      fails(() => m.vias, 400, /Via/);
      fails(() => m.contacts, 400, /Contact/);
      fails(() => parseMessage(load('badinv01'), { validate: true }), 400);
    });

    it('clerr: Content-Length larger than the body: 400 over UDP, wait on a stream', () => {
      fails(() => parseMessage(load('clerr')), 400, /Content-Length/);
      const framer = new StreamFramer();
      expect(framer.push(load('clerr'))).to.deep.equal([]);
      expect(framer.pending).to.equal(load('clerr').length);
    });

    it('ncl: negative Content-Length: 400; on a stream the connection closes', () => {
      fails(() => parseMessage(load('ncl')), 400, /Content-Length/);
      const events = new StreamFramer().push(load('ncl'));
      expect(events).to.have.length(1);
      expect(events[0]!.type).to.equal('fatal');
    });

    it('scalar02: CSeq above 2^32-1: 400', () => {
      fails(() => parseMessage(load('scalar02')), 400, /CSeq/);
    });

    it('scalarlg: response with oversized CSeq: dropped (status 0)', () => {
      fails(() => parseMessage(load('scalarlg')), 0);
    });

    it('quotbal: unterminated quoted display name: 400', () => {
      const m = parseMessage(load('quotbal'));
      fails(() => m.to, 400, /unterminated/);
      fails(() => parseMessage(load('quotbal'), { validate: true }), 400);
    });

    it('ltgtruri: Request-URI inside <>: 400', () => {
      fails(() => parseMessage(load('ltgtruri')), 400, /Request-URI/);
    });

    it('lwsruri: whitespace inside the Request-URI: 400', () => {
      fails(() => parseMessage(load('lwsruri')), 400);
    });

    it('lwsstart: several spaces between Request-Line elements: 400', () => {
      fails(() => parseMessage(load('lwsstart')), 400);
    });

    it('trws: trailing spaces after SIP-Version: 400', () => {
      fails(() => parseMessage(load('trws')), 400, /SIP-Version/);
    });

    it('escruri: escaped headers in the Request-URI: 400, never turned into headers', () => {
      fails(() => parseMessage(load('escruri')), 400, /headers/);
    });

    it('baddate: Date with a non-GMT zone is kept verbatim and otherwise ignored', () => {
      const m = req('baddate');
      expect(m.headers.get('Date')).to.equal('Fri, 01 Jan 2010 16:00:00 EST');
    });

    it('regbadct: escaped header in an unbracketed Contact: 400', () => {
      const m = parseMessage(load('regbadct'));
      fails(() => m.contacts, 400, /enclosed in <>/);
      fails(() => validateMessage(m), 400);
    });

    it('badaspec: spaces inside < addr-spec > are tolerated', () => {
      const m = req('badaspec');
      expect(sipUri(m.to.uri).user).to.equal('t.watson');
      expect(m.to.displayName).to.equal('Watson, Thomas');
    });

    it('baddn: unquoted display name with non-token characters: 400', () => {
      const m = parseMessage(load('baddn'));
      fails(() => m.from, 400, /From/);
      fails(() => m.to, 400, /To/);
      fails(() => validateMessage(m), 400);
    });

    it('badvers: SIP/7.0: 505 Version Not Supported', () => {
      const err = fails(() => parseMessage(load('badvers')), 505);
      expect(err.reason).to.equal('Version Not Supported');
    });

    it('mismatch01: CSeq method differs from the Request-Line method: 400', () => {
      fails(() => parseMessage(load('mismatch01')), 400, /CSeq method/);
    });

    it('mismatch02: unknown method with mismatching CSeq: 400 (the CSeq check precedes method support)', () => {
      fails(() => parseMessage(load('mismatch02')), 400, /CSeq method INVITE .* NEWMETHOD/);
    });

    it('bigcode: status code above 699: dropped', () => {
      const err = fails(() => parseMessage(load('bigcode')), 0);
      expect(err.details.wouldAnswer).to.equal(400);
    });

    it('badbranch: branch=z9hG4bK alone: parses, treated as an RFC 2543 branch', () => {
      const m = req('badbranch');
      expect(m.topVia!.branch).to.equal('z9hG4bK');
      expect(m.topVia!.isRfc3261Branch).to.equal(false);
    });
  });

  describe('parse, then the element must answer', () => {
    it('insuf: no Call-ID/From/To: parses, each access (and validation) raises 400', () => {
      const m = parsedOnly('insuf');
      fails(() => m.callId, 400, /missing Call-ID/);
      fails(() => m.from, 400, /missing From/);
      fails(() => m.to, 400, /missing To/);
      fails(() => validateMessage(m), 400);
    });

    it('unkscm: unknown URI scheme in the Request-URI: 416', () => {
      const err = fails(() => parseMessage(load('unkscm')), 416);
      expect(err.reason).to.equal('Unsupported URI Scheme');
    });

    it('novelsc: soap.beep Request-URI: 416', () => {
      fails(() => parseMessage(load('novelsc')), 416);
    });

    it('unksm2: non-SIP AOR/Contact URIs are exposed as GenericUri for the registrar to refuse', () => {
      const m = req('unksm2');
      expect(m.to.uri).to.be.instanceOf(GenericUri);
      expect(m.to.uri.scheme).to.equal('isbn');
      expect(m.from.uri.scheme).to.equal('http');
      expect(m.contacts[0]!.uri.scheme).to.equal('name');
    });

    it('bext01: unknown Require option tags are listed for the 420', () => {
      const m = req('bext01');
      expect(m.require).to.deep.equal(['nothingSupportsThis', 'nothingSupportsThisEither']);
      expect(m.proxyRequire).to.deep.equal(['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
    });

    it('invut: unknown Content-Type is exposed for the 415', () => {
      const m = req('invut');
      expect(m.contentType).to.equal('application/unknownformat');
      expect(m.body.length).to.equal(40);
    });

    it('regaut01: Authorization with an unknown scheme parses for a fresh 401', () => {
      const m = req('regaut01');
      expect(m.authorization).to.have.length(1);
      expect(m.authorization[0]!.scheme).to.equal('NoOneKnowsThisScheme');
      expect(m.authorization[0]!.isDigest).to.equal(false);
      expect(m.authorization[0]!.param('opaque-data')).to.equal('here');
    });

    it('multi01: repeated single-value headers raise 400 when accessed', () => {
      const m = parsedOnly('multi01');
      fails(() => m.cseq, 400, /CSeq header appears 2 times/);
      fails(() => m.callId, 400, /Call-ID header appears 2 times/);
      fails(() => m.from, 400, /From header appears 2 times/);
      fails(() => m.to, 400, /To header appears 2 times/);
      fails(() => m.maxForwards, 400, /Max-Forwards header appears 2 times/);
      expect(m.contacts).to.have.length(2);
    });

    it('mcl01: two disagreeing Content-Length headers: 400; on a stream, close', () => {
      fails(() => parseMessage(load('mcl01')), 400, /disagree/);
      const events = new StreamFramer().push(load('mcl01'));
      expect(events.map((e) => e.type)).to.deep.equal(['fatal']);
    });

    it('bcast: the second Via of a response is exposed (255.255.255.255)', () => {
      const m = ok('bcast') as SipResponse;
      expect(m.status).to.equal(200);
      expect(m.vias[1]!.host).to.equal('255.255.255.255');
    });

    it('zeromf: Max-Forwards 0 is exposed', () => {
      expect(req('zeromf').maxForwards).to.equal(0);
    });

    it('cparam01: unbracketed Contact: ;unknownparam is a contact param', () => {
      const c = req('cparam01').contacts[0]!;
      expect(sipUri(c.uri).params.size).to.equal(0);
      expect(sipUri(c.uri).user).to.equal('+19725552222');
      expect([...c.params]).to.deep.equal([['unknownparam', null]]);
    });

    it('cparam02: bracketed Contact: ;unknownparam is a URI param', () => {
      const c = req('cparam02').contacts[0]!;
      expect([...sipUri(c.uri).params]).to.deep.equal([['unknownparam', null]]);
      expect(c.params.size).to.equal(0);
    });

    it('regescrt: escaped header in a bracketed Contact URI is kept in the URI', () => {
      const c = req('regescrt').contacts[0]!;
      const uri = sipUri(c.uri);
      expect(uri.headers).to.deep.equal([['Route', '%3Csip:sip.example.com%3E']]);
      expect(uri.toString()).to.equal('sip:user@example.com?Route=%3Csip:sip.example.com%3E');
    });

    it('sdp01: Accept without SDP and an SDP body are both exposed', () => {
      const m = req('sdp01');
      expect(m.headers.get('Accept')).to.equal('text/nobodyKnowsThis');
      expect(m.contentType).to.equal('application/sdp');
    });
  });
});
