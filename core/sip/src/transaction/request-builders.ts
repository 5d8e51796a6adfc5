/**
 * Requests the transaction layer builds itself or offers to the TU: the ACK for a non-2xx
 * final response (17.1.1.3) and CANCEL (9.1). Both reuse the INVITE's top Via so they
 * share its branch, which is how the server matches them.
 */
import { SipHeaders } from '../message/headers.js';
import type { SipResponse } from '../message/message.js';
import { SipRequest } from '../message/message.js';
import { requestError } from './errors.js';
import { generateBranch } from './ids.js';

/** The first element of a comma-separated header line (commas inside quotes ignored). */
export function firstListElement(value: string): string {
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) return value.slice(0, i).trim();
  }
  return value.trim();
}

/** The top Via exactly as the original request carried it (after the transport filled it). */
export function topViaValue(req: SipRequest): string {
  const first = req.headers.get('via');
  if (first === undefined) throw requestError(`${req.method} ${req.rawUri} has no Via header`);
  return firstListElement(first);
}

/** Headers copied verbatim from the INVITE into ACK and CANCEL. */
function commonHeaders(invite: SipRequest, method: string, to: string): SipHeaders {
  const h = new SipHeaders();
  h.append('Via', topViaValue(invite));
  h.append('Max-Forwards', 70);
  for (const route of invite.headers.getAll('route')) h.append('Route', route);
  h.append('From', invite.headers.get('from') ?? '');
  h.append('To', to);
  h.append('Call-ID', invite.headers.get('call-id') ?? '');
  h.append('CSeq', `${invite.cseq.seq} ${method}`);
  return h;
}

/**
 * 17.1.1.3: same Request-URI, Call-ID, From, CSeq number and top Via as the INVITE, the
 * To of the response (with its tag), the INVITE's Route set, no body.
 */
export function createAckForNon2xx(invite: SipRequest, response: SipResponse): SipRequest {
  const to = response.headers.get('to') ?? invite.headers.get('to') ?? '';
  const h = commonHeaders(invite, 'ACK', to);
  h.append('Content-Length', 0);
  return new SipRequest('ACK', invite.rawUri, h);
}

/**
 * 9.1: CANCEL for a pending INVITE. Same Request-URI, Call-ID, To, From, CSeq number and
 * top Via (hence branch) as the INVITE, its Route set, no body.
 */
export function createCancel(invite: SipRequest): SipRequest {
  if (invite.method !== 'INVITE') throw requestError(`CANCEL can only cancel an INVITE, not ${invite.method}`);
  const h = commonHeaders(invite, 'CANCEL', invite.headers.get('to') ?? '');
  h.append('Content-Length', 0);
  return new SipRequest('CANCEL', invite.rawUri, h);
}

/**
 * Makes sure the request's top Via carries a branch and returns it. Without a Via, one is
 * added whose sent-by the transport fills in (18.1.1); a top Via without a branch gets a
 * fresh RFC 3261 branch appended to its first element.
 */
export function ensureBranch(req: SipRequest, protocol = 'udp'): string {
  const lines = req.headers.getAll('via');
  if (lines.length === 0) {
    const branch = generateBranch();
    req.headers.prepend('Via', `SIP/2.0/${protocol.toUpperCase()} 0.0.0.0;branch=${branch}`);
    req.invalidate();
    return branch;
  }
  const existing = req.topVia?.branch;
  if (existing !== undefined && existing !== '') return existing;
  const branch = generateBranch();
  const first = lines[0]!;
  const top = firstListElement(first);
  const rest = first.slice(first.indexOf(top) + top.length);
  req.headers.removeFirst('via');
  req.headers.prepend('Via', `${top};branch=${branch}${rest}`);
  req.invalidate();
  return branch;
}
