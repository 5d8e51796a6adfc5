import type { IncomingMessage } from 'node:http';
import { HttpError, HttpErrorCode } from './errors.js';

/** Request bodies are small JSON documents; anything bigger is refused, never buffered. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

function tooLarge(limit: number): HttpError {
  return new HttpError(413, HttpErrorCode.BodyTooLarge, `request body exceeds ${limit} bytes`, {}, { limit });
}

/**
 * Reads the body up to `limit` bytes. A declared Content-Length over the limit is refused
 * before reading; a chunked body is refused as soon as it crosses it. Whatever is left
 * is discarded by Node after the response (bounded by the server's request timeout).
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
      done = true;
    });
    req.once('error', (err) => {
      if (!done) reject(new HttpError(400, HttpErrorCode.BadRequest, `request body could not be read: ${err.message}`));
      done = true;
    });
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a JSON body; empty means undefined. The caller still validates the shape. */
export function parseJsonBody(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0) return undefined;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new HttpError(415, HttpErrorCode.UnsupportedMediaType, `request body must be application/json, got ${JSON.stringify(contentType ?? '')}`);
  }
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new HttpError(400, HttpErrorCode.InvalidJson, 'request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, HttpErrorCode.InvalidJson, `request body is not valid JSON: ${(err as Error).message}`);
  }
}
