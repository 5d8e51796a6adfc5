/**
 * Writes a message back to bytes: header lines verbatim and in order (unknown headers
 * and odd spellings pass through untouched), one line per field, with a Content-Length
 * that always matches the body (added when absent, duplicates collapsed).
 */
import type { SipMessage } from './message.js';
import { SIP_VERSION } from './message.js';
import { headerKey } from './headers.js';

export function serializeMessage(msg: SipMessage): Buffer {
  let head = msg.isRequest ? `${msg.method} ${msg.rawUri} ${SIP_VERSION}\r\n` : `${SIP_VERSION} ${msg.status} ${msg.reason}\r\n`;
  const bodyLength = msg.body.length;
  let lengthWritten = false;
  for (const field of msg.headers) {
    const name = field.name;
    // Fast path: only names spelled like Content-Length or 'l' need the key check.
    if ((name.length === 14 || name.length === 1) && headerKey(name) === 'content-length') {
      if (lengthWritten) continue;
      lengthWritten = true;
      head += `${name}: ${bodyLength}\r\n`;
      continue;
    }
    head += `${name}: ${field.value}\r\n`;
  }
  if (!lengthWritten) head += `Content-Length: ${bodyLength}\r\n`;
  head += '\r\n';
  if (bodyLength === 0) return Buffer.from(head, 'utf8');
  const headLength = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLength + bodyLength);
  out.write(head, 0, 'utf8');
  msg.body.copy(out, headLength);
  return out;
}
