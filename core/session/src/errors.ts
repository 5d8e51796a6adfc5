import { RvoipError } from '@rvoip/contracts';

/** Every error raised by the session layer; codes are `RVOIP_ERR_SESSION_<WHAT>`. */
export class SessionError extends RvoipError {}

export const SessionErrorCode = {
  StateTableInvalid: 'RVOIP_ERR_SESSION_STATE_TABLE_INVALID',
  InvalidState: 'RVOIP_ERR_SESSION_INVALID_STATE',
  UnknownSession: 'RVOIP_ERR_SESSION_UNKNOWN_SESSION',
  Rejected: 'RVOIP_ERR_SESSION_REJECTED',
  Timeout: 'RVOIP_ERR_SESSION_TIMEOUT',
  UnknownTarget: 'RVOIP_ERR_SESSION_UNKNOWN_TARGET',
  Signalling: 'RVOIP_ERR_SESSION_SIGNALLING',
  Transfer: 'RVOIP_ERR_SESSION_TRANSFER',
  Action: 'RVOIP_ERR_SESSION_ACTION',
  Unsupported: 'RVOIP_ERR_SESSION_UNSUPPORTED',
} as const;
