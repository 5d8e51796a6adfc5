import { RvoipError } from '@rvoip/contracts';

/**
 * A message that cannot be accepted. `status` is the response a UAS or proxy sends back
 * for a request (400, 413, 416, 505, ...); a response that fails is dropped. `fatal`
 * marks stream framing errors after which the connection must be closed.
 */
export class SipParseError extends RvoipError {
  readonly status: number;
  readonly reason: string;
  readonly fatal: boolean;

  constructor(
    message: string,
    opts: { status?: number; reason?: string; code?: string; fatal?: boolean; details?: Record<string, unknown> } = {},
  ) {
    super(opts.code ?? 'RVOIP_ERR_SIP_PARSE', message, opts.details ?? {});
    this.status = opts.status ?? 400;
    this.reason = opts.reason ?? 'Bad Request';
    this.fatal = opts.fatal ?? false;
  }
}

/** A header whose value does not match its grammar, or a missing mandatory header. */
export class SipHeaderError extends SipParseError {
  readonly header: string;

  constructor(message: string, header: string) {
    super(message, { code: 'RVOIP_ERR_SIP_HEADER', details: { header } });
    this.header = header;
  }
}
