/**
 * Turns ResponseOptions into a response on a server transaction: headers, body and
 * Content-Type, and the Contact and Allow a dialog-creating or refreshing 2xx needs.
 */
import type { SipResponse } from '../message/message.js';
import type { ResponseOptions } from './types.js';

export function applyResponseOptions(res: SipResponse, opts: ResponseOptions = {}, userAgent?: string): SipResponse {
  if (opts.reason !== undefined) res.reason = opts.reason;
  for (const [name, value] of opts.headers ?? []) res.headers.append(name, value);
  if (userAgent !== undefined && !res.headers.has('server')) res.headers.append('Server', userAgent);
  if (opts.body !== undefined) {
    res.body = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body, 'utf8');
    if (res.body.length > 0) res.headers.set('Content-Type', opts.contentType ?? 'application/sdp');
  }
  res.headers.set('Content-Length', res.body.length);
  res.invalidate();
  return res;
}
