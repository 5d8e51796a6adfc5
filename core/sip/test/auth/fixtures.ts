import { parseMessage } from '../../src/message/parser.js';
import { SipRequest, SipResponse } from '../../src/message/message.js';

export function parseRequest(text: string, body = ''): SipRequest {
  const msg = parseMessage(Buffer.from(text.replace(/\n/g, '\r\n') + '\r\n' + body));
  if (!(msg instanceof SipRequest)) throw new Error('expected a request');
  return msg;
}

export function parseResponse(text: string): SipResponse {
  const msg = parseMessage(Buffer.from(text.replace(/\n/g, '\r\n') + '\r\n'));
  if (!(msg instanceof SipResponse)) throw new Error('expected a response');
  return msg;
}

/** A REGISTER as a UA would send it; `extra` lines go before Content-Length. */
export function register(cseq: number, extra: string[] = [], method = 'REGISTER', uri = 'sip:example.com', body = ''): SipRequest {
  const lines = [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-reg-${cseq}`,
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=a1',
    'To: <sip:alice@example.com>',
    'Call-ID: reg-call-1@192.0.2.10',
    `CSeq: ${cseq} ${method}`,
    'Contact: <sip:alice@192.0.2.10:5060>',
    ...extra,
  ];
  if (body !== '') lines.push('Content-Type: text/plain');
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '');
  return parseRequest(lines.join('\n'), body);
}

/** The response a server sends with the given header lines, for the request's CSeq. */
export function challengeResponse(status: number, lines: ReadonlyArray<{ name: string; value: string }>, cseq = 1): SipResponse {
  const reason = status === 401 ? 'Unauthorized' : status === 407 ? 'Proxy Authentication Required' : 'Whatever';
  return parseResponse(
    [
      `SIP/2.0 ${status} ${reason}`,
      `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-reg-${cseq}`,
      'From: <sip:alice@example.com>;tag=a1',
      'To: <sip:alice@example.com>;tag=srv',
      'Call-ID: reg-call-1@192.0.2.10',
      `CSeq: ${cseq} REGISTER`,
      ...lines.map((l) => `${l.name}: ${l.value}`),
      'Content-Length: 0',
      '',
    ].join('\n'),
  );
}

/** The next attempt of `req`: same request with CSeq+1 and the given credential lines. */
export function retry(cseq: number, lines: ReadonlyArray<{ name: string; value: string }>, method = 'REGISTER', uri = 'sip:example.com', body = ''): SipRequest {
  return register(cseq, lines.map((l) => `${l.name}: ${l.value}`), method, uri, body);
}
