import { RvoipError } from '@rvoip/contracts';

export const SIP_TRANSACTION_TIMEOUT = 'RVOIP_ERR_SIP_TRANSACTION_TIMEOUT';
export const SIP_TRANSACTION_TRANSPORT = 'RVOIP_ERR_SIP_TRANSACTION_TRANSPORT';
export const SIP_TRANSACTION_STATE = 'RVOIP_ERR_SIP_TRANSACTION_STATE';
export const SIP_TRANSACTION_REQUEST = 'RVOIP_ERR_SIP_TRANSACTION_REQUEST';

/**
 * Why a transaction ended without a usable response. `status` is the response code the TU
 * should act as if it had received: 408 for a timeout (17.1.1.2, 17.1.2.2), 503 for a
 * transport failure (8.1.3.1).
 */
export class SipTransactionError extends RvoipError {
  readonly status: number;

  constructor(code: string, message: string, status: number, details: Record<string, unknown> = {}, cause?: unknown) {
    super(code, message, details, cause === undefined ? undefined : { cause });
    this.status = status;
  }
}

export function timeoutError(timer: string, method: string, branch: string): SipTransactionError {
  return new SipTransactionError(
    SIP_TRANSACTION_TIMEOUT,
    `${method} transaction ${branch} timed out (Timer ${timer} fired)`,
    408,
    { timer, method, branch },
  );
}

export function transportError(method: string, branch: string, cause: unknown): SipTransactionError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new SipTransactionError(
    SIP_TRANSACTION_TRANSPORT,
    `${method} transaction ${branch}: transport failure: ${why}`,
    503,
    { method, branch },
    cause,
  );
}

/** A TU call the current state forbids (responding twice with a final, bad status...). */
export function stateError(message: string, details: Record<string, unknown> = {}): SipTransactionError {
  return new SipTransactionError(SIP_TRANSACTION_STATE, message, 500, details);
}

/** A request the layer cannot open a transaction for (no Via, no CSeq, ACK...). */
export function requestError(message: string, details: Record<string, unknown> = {}): SipTransactionError {
  return new SipTransactionError(SIP_TRANSACTION_REQUEST, message, 400, details);
}
