import { RvoipError } from '@rvoip/contracts';

/**
 * A request the user agent sent ended without success: a final non-2xx (status set),
 * a timeout (Timer B/F, status 408) or a transport failure (status 503, RFC 3261 8.1.3.1).
 */
export class SipRequestError extends RvoipError {
  readonly status: number;
  readonly reason: string;

  constructor(code: string, message: string, status: number, reason: string, details: Record<string, unknown> = {}) {
    super(code, message, { status, reason, ...details });
    this.status = status;
    this.reason = reason;
  }
}

export const SIP_UA_REJECTED = 'RVOIP_ERR_SIP_REJECTED';
export const SIP_UA_TIMEOUT = 'RVOIP_ERR_SIP_TIMEOUT';
export const SIP_UA_TRANSPORT = 'RVOIP_ERR_SIP_UNREACHABLE';
export const SIP_UA_CANCELLED = 'RVOIP_ERR_SIP_CANCELLED';
export const SIP_UA_STATE = 'RVOIP_ERR_SIP_UA_STATE';

export class SipUaStateError extends RvoipError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(SIP_UA_STATE, message, details);
  }
}
