/**
 * Turns ResponseOptions into a response on a server transaction: headers, body and
 * Content-Type, and the Contact and Allow a dialog-creating or refreshing 2xx needs.
 */
import { headerKey } from '../message/headers.js';
import type { SipResponse } from '../message/message.js';
import type { ServerTransaction } from '../transaction/layer.js';
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

/**
 * The response a responder sends: built in one pass when there is no body (the common
 * case: challenges, 200 to REGISTER, errors), else through applyResponseOptions. Both
 * give the same header order: the copied lines, Content-Length, the caller's, Server.
 */
export function buildResponse(tx: ServerTransaction, status: number, opts: ResponseOptions, userAgent?: string): SipResponse {
  const headers = opts.headers;
  let simple = opts.body === undefined;
  if (simple && headers !== undefined) {
    for (const [name] of headers) {
      if (headerKey(name) === 'content-length') {
        simple = false;
        break;
      }
    }
  }
  if (!simple) return applyResponseOptions(tx.createResponse(status), opts, userAgent);
  return tx.createResponse(status, opts.reason, {
    ...(headers === undefined ? {} : { headers }),
    ...(userAgent === undefined ? {} : { server: userAgent }),
  });
}
