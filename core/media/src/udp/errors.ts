import { RvoipError } from '@rvoip/contracts';

/** Errors of the media engine's UDP transports (`RVOIP_ERR_MEDIA_UDP_*`). */
export class UdpError extends RvoipError {
  constructor(what: string, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(`RVOIP_ERR_MEDIA_UDP_${what}`, message, details, options);
  }
}
