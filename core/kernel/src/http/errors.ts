import { RvoipError } from '@rvoip/contracts';

export const HttpErrorCode = {
  NotFound: 'RVOIP_ERR_HTTP_NOT_FOUND',
  MethodNotAllowed: 'RVOIP_ERR_HTTP_METHOD_NOT_ALLOWED',
  BadRequest: 'RVOIP_ERR_HTTP_BAD_REQUEST',
  InvalidJson: 'RVOIP_ERR_HTTP_INVALID_JSON',
  UnsupportedMediaType: 'RVOIP_ERR_HTTP_UNSUPPORTED_MEDIA_TYPE',
  BodyTooLarge: 'RVOIP_ERR_HTTP_BODY_TOO_LARGE',
  CallNotFound: 'RVOIP_ERR_HTTP_CALL_NOT_FOUND',
  NoRegistrar: 'RVOIP_ERR_HTTP_NO_REGISTRAR',
  Internal: 'RVOIP_ERR_HTTP_INTERNAL',
  ListenInvalid: 'RVOIP_ERR_HTTP_LISTEN_INVALID',
  ListenFailed: 'RVOIP_ERR_HTTP_LISTEN_FAILED',
} as const;

/**
 * An error a route answers with: its HTTP status, and the `{ error: { code, message } }`
 * body the server writes from it. Extra headers carry e.g. `Allow` on a 405.
 */
export class HttpError extends RvoipError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    details: Record<string, unknown> = {},
  ) {
    super(code, message, details);
  }
}

/** `http.listen` unusable (bad host:port) or the socket could not be bound. */
export class HttpListenError extends RvoipError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}
