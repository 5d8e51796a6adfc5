/**
 * UAS response construction, RFC 3261 8.2.6: Via (all, in order), From, To, Call-ID and
 * CSeq copied from the request; a To tag added when the request had none (except on 100);
 * Timestamp echoed on 100 Trying (8.2.6.1).
 */
import { SipHeaders } from '../message/headers.js';
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
}

export function createResponse(req: SipRequest, status: number, reason?: string, opts: CreateResponseOptions = {}): SipResponse {
  const h = new SipHeaders();
  for (const via of req.headers.getAll('via')) h.append('Via', via);
  const from = req.headers.get('from');
  if (from !== undefined) h.append('From', from);
  let to = req.headers.get('to');
  if (to !== undefined && status !== 100 && tagOf(to) === undefined) {
    to = `${to};tag=${opts.toTag ?? generateTag()}`;
  }
  if (to !== undefined) h.append('To', to);
  const callId = req.headers.get('call-id');
  if (callId !== undefined) h.append('Call-ID', callId);
  const cseq = req.headers.get('cseq');
  if (cseq !== undefined) h.append('CSeq', cseq);
  const timestamp = req.headers.get('timestamp');
  if (status === 100 && timestamp !== undefined) h.append('Timestamp', timestamp);
  h.append('Content-Length', 0);
  return new SipResponse(status, reason ?? reasonPhrase(status), h);
}
