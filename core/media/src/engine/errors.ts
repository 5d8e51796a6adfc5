import { RvoipError } from '@rvoip/contracts';

/** Errors of the media session facade (`RVOIP_ERR_MEDIA_SESSION_*`). */
export class MediaSessionError extends RvoipError {
  constructor(what: string, message: string, details: Record<string, unknown> = {}) {
    super(`RVOIP_ERR_MEDIA_SESSION_${what}`, message, details);
  }
}
