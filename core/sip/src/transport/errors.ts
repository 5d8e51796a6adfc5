import { RvoipError } from '@rvoip/contracts';

export const SIP_TRANSPORT_ERROR = 'RVOIP_ERR_SIP_TRANSPORT';

/**
 * A message could not be sent, or a transport could not be set up. The message names the
 * target and the cause (`ECONNREFUSED`, `ECONNRESET`, TLS failure...), which is also kept
 * in `details` and as the error's `cause` so callers branch without parsing text.
 */
export class SipTransportError extends RvoipError {
  readonly target: string | undefined;
  readonly causeCode: string | undefined;

  constructor(message: string, opts: { target?: string; cause?: unknown } = {}) {
    const causeCode = errnoCode(opts.cause);
    super(
      SIP_TRANSPORT_ERROR,
      message,
      { target: opts.target, cause: causeCode ?? (opts.cause instanceof Error ? opts.cause.message : undefined) },
      opts.cause === undefined ? undefined : { cause: opts.cause },
    );
    this.target = opts.target;
    this.causeCode = causeCode;
  }
}

export function errnoCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

/** Wraps a socket error so the message says what failed, where, and why. */
export function transportFailure(action: string, target: string, cause: unknown): SipTransportError {
  const why = errnoCode(cause) ?? (cause instanceof Error ? cause.message : String(cause));
  return new SipTransportError(`${action} ${target} failed: ${why}`, { target, cause });
}
