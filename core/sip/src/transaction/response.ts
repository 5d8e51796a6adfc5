/**
 * UAS response construction, RFC 3261 8.2.6: Via (all, in order), From, To, Call-ID and
 * CSeq copied from the request; a To tag added when the request had none (except on 100);
 * Timestamp echoed on 100 Trying (8.2.6.1).
 */
import { SipHeaders, canonicalHeaderName, headerKey } from '../message/headers.js';
import type { HeaderField } from '../message/headers.js';
import type { SipRequest } from '../message/message.js';
import { SipResponse } from '../message/message.js';
import { generateTag } from './ids.js';
import { tagOf } from './message-access.js';

/** RFC 3261 21 reason phrases (and the common extension codes rvoip emits itself). */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  200: 'OK', 202: 'Accepted', 204: 'No Notification',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily', 305: 'Use Proxy', 380: 'Alternative Service',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
  410: 'Gone', 413: 'Request Entity Too Large', 414: 'Request-URI Too Long', 415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme', 420: 'Bad Extension', 421: 'Extension Required', 422: 'Session Interval Too Small',
  423: 'Interval Too Brief', 480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected', 483: 'Too Many Hops', 484: 'Address Incomplete', 485: 'Ambiguous', 486: 'Busy Here',
  487: 'Request Terminated', 488: 'Not Acceptable Here', 489: 'Bad Event', 491: 'Request Pending',
  493: 'Undecipherable',
  500: 'Server Internal Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Server Time-out', 505: 'Version Not Supported', 513: 'Message Too Large',
  600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere', 606: 'Not Acceptable',
};

export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? (status < 200 ? 'Provisional' : status < 300 ? 'Success' : 'Failure');
}

export interface CreateResponseOptions {
  /** Tag to put in To when the request had none; generated when omitted (not on 100). */
  toTag?: string;
  /** More header lines, appended after Content-Length (the order applyResponseOptions gives). */
  headers?: ReadonlyArray<readonly [string, string | number]>;
  /** A Server header appended last, unless `headers` already has one. */
  server?: string;
}

/** name -> [canonical spelling, lookup key]; bounded like headerKey's cache. */
const NAMES = new Map<string, readonly [string, string]>();

function nameOf(name: string): readonly [string, string] {
  let n = NAMES.get(name);
  if (n === undefined) {
    n = [canonicalHeaderName(name), headerKey(name)];
    if (NAMES.size < 512) NAMES.set(name, n);
  }
  return n;
}

/**
 * Builds the header list in one pass (no per-line name canonicalization, no array
 * splicing): a response per request makes this the busiest constructor of a server.
 */
export function createResponse(req: SipRequest, status: number, reason?: string, opts: CreateResponseOptions = {}): SipResponse {
  const fields: HeaderField[] = [];
  const keys: string[] = [];
  const rh = req.headers;
  for (const via of rh.getAll('via')) {
    fields.push({ name: 'Via', value: via });
    keys.push('via');
  }
  const from = rh.get('from');
  if (from !== undefined) {
    fields.push({ name: 'From', value: from });
    keys.push('from');
  }
  let to = rh.get('to');
  if (to !== undefined && status !== 100 && tagOf(to) === undefined) {
    to = `${to};tag=${opts.toTag ?? generateTag()}`;
  }
  if (to !== undefined) {
    fields.push({ name: 'To', value: to });
    keys.push('to');
  }
  const callId = rh.get('call-id');
  if (callId !== undefined) {
    fields.push({ name: 'Call-ID', value: callId });
    keys.push('call-id');
  }
  const cseq = rh.get('cseq');
  if (cseq !== undefined) {
    fields.push({ name: 'CSeq', value: cseq });
    keys.push('cseq');
  }
  if (status === 100) {
    const timestamp = rh.get('timestamp');
    if (timestamp !== undefined) {
      fields.push({ name: 'Timestamp', value: timestamp });
      keys.push('timestamp');
    }
  }
  fields.push({ name: 'Content-Length', value: '0' });
  keys.push('content-length');
  let server = opts.server;
  for (const [name, value] of opts.headers ?? []) {
    const [canonical, key] = nameOf(name);
    if (key === 'server') server = undefined;
    fields.push({ name: canonical, value: String(value) });
    keys.push(key);
  }
  if (server !== undefined) {
    fields.push({ name: 'Server', value: server });
    keys.push('server');
  }
  return new SipResponse(status, reason ?? reasonPhrase(status), new SipHeaders(fields, keys));
}
