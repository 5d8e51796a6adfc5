import { RvoipError } from '@rvoip/contracts';

/** Errors of the RTP/RTCP transport layer (`RVOIP_ERR_RTP_*`). */
export class RtpError extends RvoipError {
  constructor(what: string, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(`RVOIP_ERR_RTP_${what}`, message, details, options);
  }
}
