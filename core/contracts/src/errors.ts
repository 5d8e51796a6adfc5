/**
 * Every error rvoip raises carries a stable machine-readable code (`RVOIP_ERR_...`)
 * so that callers branch on codes, never on message text.
 */
export class RvoipError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

export function isRvoipError(err: unknown, code?: string): err is RvoipError {
  return err instanceof RvoipError && (code === undefined || err.code === code);
}
