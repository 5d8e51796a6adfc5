import type { EndReason } from '@rvoip/contracts';
import { RvoipError } from '@rvoip/contracts';
import type { SipResponse } from '@rvoip/sip';
import { SessionError, SessionErrorCode } from '../errors.js';

/** The SIP status carried by a failed request (core/sip `SipRequestError` has `status`). */
export function statusOf(err: unknown): { status: number; reason: string } {
  if (err instanceof RvoipError) {
    const status = typeof err.details.status === 'number' ? err.details.status : 500;
    const reason = typeof err.details.reason === 'string' ? err.details.reason : err.message;
    return { status, reason };
  }
  return { status: 500, reason: err instanceof Error ? err.message : String(err) };
}

/** CDR disposition for a final non-2xx to an INVITE. */
export function endReasonFor(status: number): EndReason {
  if (status === 486 || status === 600) return 'busy';
  if (status === 487) return 'cancelled';
  if (status === 408 || status === 480) return 'no-answer';
  if (status >= 300 && status < 700) return 'rejected';
  return 'failed';
}

/**
 * Option tags we add to INVITEs and answers (the stack adds `replaces` and Allow itself).
 * Outgoing INVITEs also offer 100rel: the caller side sends PRACK itself (outbound.ts). As
 * callee the UA sends a reliable 183 (RSeq, retransmitted until PRACK) when the caller
 * requires 100rel (inbound.ts).
 */
export const SUPPORTED = 'timer';

export function hasOptionTag(values: readonly string[], tag: string): boolean {
  return values.some((v) => v.toLowerCase() === tag);
}

/** In-dialog requests resolve with any final response; a non-2xx becomes an error carrying its status. */
export function requireSuccess(res: SipResponse, what: string): SipResponse {
  if (res.status >= 200 && res.status < 300) return res;
  throw new SessionError(SessionErrorCode.Signalling, `${what} was answered ${res.status} ${res.reason}`, { status: res.status, reason: res.reason });
}
