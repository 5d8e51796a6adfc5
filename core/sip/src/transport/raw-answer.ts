/**
 * Answers for requests the parser rejected. RFC 3261 8.2.6 needs the Via, From, To,
 * Call-ID and CSeq lines copied into a response; whichever of them a rejected request
 * still has readable (the Via at least) we copy verbatim from the raw bytes (no interpretation beyond
 * finding the lines) so a broken request gets its 400/413/505 instead of silence.
 */
import { randomBytes } from 'node:crypto';
import { SipHeaders, headerKey } from '../message/headers.js';
import type { HeaderField } from '../message/headers.js';
import { SipResponse } from '../message/message.js';

const COPIED = ['via', 'from', 'to', 'call-id', 'cseq'] as const;
const REQUEST_LINE = /^([A-Za-z0-9.!%*_+`'~-]+) +\S+ +SIP\/\d+\.\d+ *$/i;

export interface RawRequestHead {
  method: string;
  fields: HeaderField[];
}

/** The request line's method and the header lines needed to answer, or undefined. */
export function readRawRequestHead(raw: Buffer): RawRequestHead | undefined {
  // Header text is ASCII/UTF-8 up to the blank line; the body is never needed.
  let end = raw.indexOf('\r\n\r\n');
  if (end < 0) end = raw.indexOf('\n\n');
  const text = raw.subarray(0, end < 0 ? Math.min(raw.length, 65_536) : end).toString('latin1');
  const lines = text.replace(/^(\r?\n)+/, '').split(/\r?\n/);
  const m = REQUEST_LINE.exec(lines[0] ?? '');
  if (!m) return undefined;
  const unfolded: string[] = [];
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && unfolded.length > 0) unfolded[unfolded.length - 1] += ' ' + line.trim();
    else unfolded.push(line);
  }
  const fields: HeaderField[] = [];
  for (const line of unfolded) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if ((COPIED as readonly string[]).includes(headerKey(name))) fields.push({ name, value: line.slice(colon + 1).trim() });
  }
  // The Via routes the answer back; the others are copied when present (RFC 4475 insuf:
  // a request missing Call-ID, From and To still gets its 400).
  if (!fields.some((f) => headerKey(f.name) === 'via')) return undefined;
  return { method: m[1]!.toUpperCase(), fields };
}

/** A response to a request we only know from its raw head (error and overload answers). */
export function responseFromHead(
  head: RawRequestHead,
  status: number,
  reason: string,
  extra: Record<string, string | number> = {},
): SipResponse {
  const headers = new SipHeaders(head.fields.map((f) => ({ ...f })));
  // RFC 3261 8.2.6.2: a UAS adds a To tag when the request had none.
  const to = headers.get('to');
  if (to !== undefined && !/;\s*tag\s*=/i.test(to)) headers.set('to', `${to};tag=${randomBytes(6).toString('hex')}`);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  headers.set('content-length', 0);
  return new SipResponse(status, reason, headers);
}
