/**
 * Out-of-dialog requests as a UAC builds them (RFC 3261 8.1.1): Request-URI, To, From
 * with a fresh tag, Call-ID, CSeq, Max-Forwards 70, Contact. The top Via is left to the
 * transaction and transport layers, which own the branch and sent-by.
 */
import { randomBytes } from 'node:crypto';
import { SipHeaders, headerKey } from '../message/headers.js';
import { SipRequest } from '../message/message.js';
import { NameAddr, parseNameAddr } from '../message/name-addr.js';
import { SipUri, TelUri, parseUri } from '../message/uri.js';
import { generateTag } from '../transaction/ids.js';

export interface RequestInit {
  method: string;
  /** Request-URI; To defaults to it. */
  uri: string | SipUri;
  to?: string | SipUri | TelUri | NameAddr;
  from: string | NameAddr;
  callId?: string;
  cseq?: number;
  contact?: string;
  userAgent?: string;
  headers?: ReadonlyArray<readonly [string, string | number]>;
  body?: Buffer | string;
  contentType?: string;
}

export function generateCallId(): string {
  return randomBytes(12).toString('hex');
}

/** Parses a target the way users write it: `sip:bob@host`, `<sip:bob@host>`, `"Bob" <sip:...>`. */
export function toNameAddr(value: string | SipUri | TelUri | NameAddr, header: string): NameAddr {
  if (value instanceof NameAddr) return value.clone();
  if (value instanceof SipUri || value instanceof TelUri) return new NameAddr(value.clone());
  if (!value.includes('<')) return new NameAddr(parseUri(value.trim()));
  return parseNameAddr(value, header);
}

/** The Request-URI for a To value: the name-addr's URI without header params. */
export function requestUriOf(to: string | SipUri | TelUri | NameAddr): string {
  if (to instanceof SipUri || to instanceof TelUri) return to.toString();
  if (to instanceof NameAddr) return to.uri.toString();
  // A bare `sip:bob@host;transport=tcp` is a URI whose params belong to it, not to To.
  if (!to.includes('<')) return parseUri(to.trim()).toString();
  return parseNameAddr(to, 'To').uri.toString();
}

export function buildRequest(init: RequestInit): SipRequest {
  const uri = typeof init.uri === 'string' ? parseUri(init.uri) : init.uri;
  const to = toNameAddr(init.to ?? uri, 'To');
  to.tag = undefined;
  const from = toNameAddr(init.from, 'From');
  if (from.tag === undefined) from.tag = generateTag();
  const h = new SipHeaders();
  h.append('Max-Forwards', 70);
  h.append('To', to.toString());
  h.append('From', from.toString());
  h.append('Call-ID', init.callId ?? generateCallId());
  h.append('CSeq', `${init.cseq ?? 1} ${init.method}`);
  if (init.contact !== undefined) h.append('Contact', init.contact);
  if (init.userAgent !== undefined) h.append('User-Agent', init.userAgent);
  // A caller-supplied Max-Forwards (a B2BUA decrementing the inbound value) replaces the default.
  for (const [name, value] of init.headers ?? []) {
    if (headerKey(name) === 'max-forwards') h.set('Max-Forwards', value);
    else h.append(name, value);
  }
  const body = init.body === undefined ? Buffer.alloc(0) : Buffer.from(init.body);
  if (body.length > 0) h.append('Content-Type', init.contentType ?? 'application/sdp');
  h.append('Content-Length', body.length);
  return new SipRequest(init.method, uri, h, body);
}

/**
 * A copy of `req` for a retry after a challenge (22.2): same Call-ID, From tag and To,
 * CSeq incremented, no Via (a new branch: it is a new transaction), no old credentials.
 */
export function nextAttempt(req: SipRequest): SipRequest {
  const h = req.headers.clone();
  h.removeAll('via');
  const { seq, method } = req.cseq;
  h.set('CSeq', `${seq + 1} ${method}`);
  const copy = new SipRequest(req.method, req.rawUri, h, req.body);
  return copy;
}
