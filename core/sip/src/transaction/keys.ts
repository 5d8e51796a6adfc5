/**
 * Transaction identifiers for matching. Client side (17.1.3): top-Via branch plus CSeq
 * method. Server side (17.2.3): branch, sent-by and method (ACK counts as INVITE) when the
 * branch carries the magic cookie; otherwise the RFC 2543 tuple of Request-URI, tags,
 * Call-ID, CSeq and top Via.
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import { isRfc3261Branch } from './ids.js';
import { branchOf, fromTagOf, sentByOf, toTagOf, viaIdentity } from './message-access.js';

export function clientKey(branch: string, method: string): string {
  return `${branch}|${method}`;
}

/** The client transaction a response belongs to, or undefined without a branch. */
export function clientKeyForResponse(res: SipResponse): string | undefined {
  const branch = branchOf(res.topVia);
  return branch === undefined ? undefined : clientKey(branch, res.cseq.method);
}

/**
 * The server transaction key of a request. `asMethod` overrides the method used, which is
 * how ACK (and CANCEL, 9.2) find the INVITE they refer to.
 */
export function serverKey(req: SipRequest, asMethod?: string): string | undefined {
  const via = req.topVia;
  if (!via) return undefined;
  const method = asMethod ?? (req.method === 'ACK' ? 'INVITE' : req.method);
  const branch = branchOf(via);
  if (isRfc3261Branch(branch)) return `${branch}|${sentByOf(via)}|${method}`;
  const cseq = req.cseq;
  // For INVITE the To tag is left out: the ACK carries the tag of our response, not the
  // INVITE's (absent) one, so the layer checks it against the response instead (17.2.3).
  const toTag = method === 'INVITE' ? '' : (toTagOf(req) ?? '');
  return ['2543', req.rawUri, toTag, fromTagOf(req) ?? '', req.callId, cseq.seq, method, viaIdentity(via)].join('|');
}

/** 8.2.2.2: requests without a To tag merge when From tag, Call-ID and CSeq coincide. */
export function mergeKey(req: SipRequest): string | undefined {
  if (toTagOf(req) !== undefined) return undefined;
  const cseq = req.cseq;
  return `${fromTagOf(req) ?? ''}|${req.callId}|${cseq.seq}|${cseq.method}`;
}
