import { RvoipError } from '@rvoip/contracts';

export type DigestErrorCode =
  /** The server challenged again, without stale=true, a request that carried our credentials. */
  | 'RVOIP_ERR_AUTH_CREDENTIALS_REJECTED'
  /** No challenge in the response uses a scheme/algorithm/realm we can answer. */
  | 'RVOIP_ERR_AUTH_NO_USABLE_CHALLENGE'
  /** The server kept answering stale=true past the retry limit. */
  | 'RVOIP_ERR_AUTH_STALE_LOOP'
  /** DigestServer options that cannot work (empty secret, no algorithm...). */
  | 'RVOIP_ERR_AUTH_CONFIG'
  /** The response handed to the client is not a 401 or 407. */
  | 'RVOIP_ERR_AUTH_NOT_A_CHALLENGE';

export class DigestError extends RvoipError {
  declare readonly code: DigestErrorCode;

  constructor(code: DigestErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}
