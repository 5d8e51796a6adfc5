/**
 * Datagram-level SIP parser: start line, raw header lines (unfolded), body framed by
 * Content-Length. Typed headers stay unparsed until read (message.ts), except what the
 * transport needs to frame and answer: Content-Length, the Request-URI and CSeq.
 * Every failure is a SipParseError whose `status` is the response to send (0: drop).
 *
 * Choices: a single CSeq is checked against the request method here (400, also for an
 * unknown method: RFC 4475 mismatch02 allows 400 or 501, and 501 would need the UA's
 * method set); missing or repeated single-value headers surface as 400 when read, or
 * up front with `validate: true` / validateMessage(). Any response failure is status 0.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { SipParseError } from './errors.js';
import type { HeaderField } from './headers.js';
import { SipHeaders, headerKey } from './headers.js';
import { RawHeaderIndex, knownHeaderId } from './raw-headers.js';
import type { SipMessage } from './message.js';
import { SipRequest, SipResponse } from './message.js';
import { TOKEN, parseDigits, trimWs } from './lex.js';
import { validateMessage } from './validate.js';

/** Largest message accepted by default: the largest UDP payload. */
export const DEFAULT_MAX_MESSAGE_SIZE = 65535;

export interface ParseOptions {
  /** Messages larger than this are refused with 413 (default 65535 bytes). */
  maxSize?: number;
  /** The buffer was framed by a stream transport: Content-Length is mandatory. */
  stream?: boolean;
  /** Also check the mandatory headers and their grammar (validateMessage) before returning. */
  validate?: boolean;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
/** Name lengths of the known headers (v, to, via, from/cseq, call-id/contact, content-length). */
const KNOWN_LENGTHS = Uint8Array.from({ length: 16 }, (_v, n) => ([1, 2, 3, 4, 7, 14].includes(n) ? 1 : 0));
const VERSION_SHAPE = /^SIP\/[0-9]+\.[0-9]+$/i;

function fail(message: string, status = 400, reason = 'Bad Request', fatal = false): SipParseError {
  return new SipParseError(message, { status, reason, fatal });
}

/** Index after any CRLF / LF run (RFC 3261 7.5: ignore CRLFs before the start line). */
export function skipLeadingCrlf(buf: Buffer, from = 0): number {
  let p = from;
  while (p < buf.length && (buf[p] === 13 || buf[p] === 10)) p++;
  return p;
}

/**
 * Locates the empty line ending the header section. Returns [end of the header text,
 * start of the body] or null when the buffer does not contain it yet.
 */
export function findHeaderEnd(buf: Buffer, from: number): [number, number] | null {
  const firstNl = buf.indexOf(10, from);
  if (firstNl < 0) return null;
  if (firstNl > from && buf[firstNl - 1] === 13) {
    const i = buf.indexOf(CRLFCRLF, from);
    if (i >= 0) return [i + 2, i + 4];
  }
  // Bare-LF line ends (tolerated): look for LF (CR) LF.
  for (let nl = firstNl; nl >= 0; nl = buf.indexOf(10, nl + 1)) {
    if (buf[nl + 1] === 10) return [nl + 1, nl + 2];
    if (buf[nl + 1] === 13 && buf[nl + 2] === 10) return [nl + 1, nl + 3];
  }
  return null;
}

/** The header text: Latin-1 when ASCII (fast path), UTF-8 when valid, else Latin-1. */
function decodeHead(buf: Buffer, start: number, end: number): string {
  // Whole-buffer check first: no subarray allocation for the common all-ASCII datagram.
  if (isAscii(buf)) return latin1(buf, start, end);
  const head = buf.subarray(start, end);
  if (isAscii(head) || !isUtf8(head)) return latin1(buf, start, end);
  return head.toString('utf8');
}

type Latin1Sliceable = { latin1Slice?: (start: number, end: number) => string };

/** Buffer#latin1Slice skips toString's argument juggling; toString is the fallback. */
function latin1(buf: Buffer, start: number, end: number): string {
  const b = buf as unknown as Latin1Sliceable;
  return b.latin1Slice !== undefined ? b.latin1Slice(start, end) : buf.toString('latin1', start, end);
}

interface Lines {
  fields: HeaderField[];
  keys: string[];
  firstLine: string;
}

/** Splits the header text into the start line and unfolded header fields. */
export function splitHeaderLines(s: string): Lines {
  const fields: HeaderField[] = [];
  const keys: string[] = [];
  let pos = 0;
  let firstLine: string | null = null;
  const len = s.length;
  while (pos < len) {
    let eol = s.indexOf('\n', pos);
    if (eol < 0) eol = len;
    const lineEnd = eol > pos && s.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
    if (firstLine === null) {
      firstLine = s.slice(pos, lineEnd);
    } else {
      const c = s.charCodeAt(pos);
      if (c === 32 || c === 9) {
        // Folded continuation: LWS is equivalent to one SP.
        const last = fields[fields.length - 1];
        if (last === undefined) throw fail('header section starts with a continuation line');
        const more = trimWs(s.slice(pos, lineEnd));
        if (more.length > 0) last.value = last.value.length > 0 ? last.value + ' ' + more : more;
      } else if (lineEnd > pos) {
        const colon = s.indexOf(':', pos);
        if (colon < 0 || colon > lineEnd) throw fail(`header line without ':': "${s.slice(pos, lineEnd)}"`);
        let ne = colon;
        while (ne > pos && (s.charCodeAt(ne - 1) === 32 || s.charCodeAt(ne - 1) === 9)) ne--;
        if (ne === pos) throw fail('header line with an empty name');
        for (let i = pos; i < ne; i++) {
          const ch = s.charCodeAt(i);
          if (ch >= 256 || TOKEN[ch] !== 1) throw fail(`bad header name "${s.slice(pos, ne)}"`);
        }
        const name = s.slice(pos, ne);
        let vs = colon + 1;
        let ve = lineEnd;
        while (vs < ve && (s.charCodeAt(vs) === 32 || s.charCodeAt(vs) === 9)) vs++;
        while (ve > vs && (s.charCodeAt(ve - 1) === 32 || s.charCodeAt(ve - 1) === 9)) ve--;
        fields.push({ name, value: s.slice(vs, ve) });
        keys.push(headerKey(name));
      } else {
        throw fail('empty line inside the header section');
      }
    }
    pos = eol + 1;
  }
  return { fields, keys, firstLine: firstLine ?? '' };
}

/**
 * Fast path of splitHeaderLines: records each line's name and value offsets without
 * allocating. Returns null when a line is folded (the slow path unfolds it).
 */
function indexHeaderLines(s: string, from: number): RawHeaderIndex | null {
  const offs: number[] = [];
  const ids: number[] = [];
  let pos = from;
  const len = s.length;
  while (pos < len) {
    let i = pos;
    let ch = s.charCodeAt(i);
    if (ch === 32 || ch === 9) return null;
    // The name is validated while looking for the colon: one pass over it.
    while (i < len) {
      ch = s.charCodeAt(i);
      if (ch >= 256 || TOKEN[ch] !== 1) break;
      i++;
    }
    const ne = i;
    while (ch === 32 || ch === 9) ch = s.charCodeAt(++i);
    if (ch !== 58 || ne === pos) {
      let eol = s.indexOf('\n', pos);
      if (eol < 0) eol = len;
      throw fail(ne === pos && i === pos && (ch === 13 || ch === 10) ? 'empty line inside the header section' : `bad header line "${s.slice(pos, eol).trim()}"`);
    }
    ch = s.charCodeAt(++i);
    while (ch === 32 || ch === 9) ch = s.charCodeAt(++i);
    const vs = i;
    let eol = s.indexOf('\n', i);
    if (eol < 0) eol = len;
    let ve = eol > vs && s.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
    while (ve > vs && (s.charCodeAt(ve - 1) === 32 || s.charCodeAt(ve - 1) === 9)) ve--;
    offs.push(pos, ne, vs, ve);
    const nameLen = ne - pos;
    ids.push(nameLen < 16 && KNOWN_LENGTHS[nameLen] === 1 ? knownHeaderId(s, pos, nameLen) : 0);
    pos = eol + 1;
  }
  return new RawHeaderIndex(s, offs, ids.length, ids);
}

/**
 * The body length announced by Content-Length, undefined when absent. Negative,
 * non-numeric or disagreeing duplicate values are errors (fatal on a stream).
 */
export function contentLengthOf(values: readonly string[], fatal: boolean): number | undefined {
  let length: number | undefined;
  for (const value of values) {
    const raw = trimWs(value);
    const n = parseDigits(raw, 0xffffffff);
    if (n < 0) throw fail(`bad Content-Length "${raw}"`, 400, 'Bad Request', fatal);
    if (length !== undefined && length !== n) {
      throw fail(`Content-Length headers disagree (${length} and ${n})`, 400, 'Bad Request', fatal);
    }
    length = n;
  }
  return length;
}

/** "SIP/2.0" (case-insensitive) at s[i]. */
function isSip20(s: string, i: number): boolean {
  return (
    (s.charCodeAt(i) | 0x20) === 115 &&
    (s.charCodeAt(i + 1) | 0x20) === 105 &&
    (s.charCodeAt(i + 2) | 0x20) === 112 &&
    s.startsWith('/2.0', i + 3)
  );
}

function parseRequestLine(line: string, headers: SipHeaders): SipRequest {
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0) throw fail(`malformed Request-Line "${line}"`);
  if (line.length - sp2 - 1 !== 7 || !isSip20(line, sp2 + 1)) {
    const version = line.slice(sp2 + 1);
    if (VERSION_SHAPE.test(version)) throw fail(`SIP version ${version} not supported`, 505, 'Version Not Supported');
    throw fail(`malformed SIP-Version "${version}" in the Request-Line`);
  }
  for (let i = 0; i < sp1; i++) {
    const c = line.charCodeAt(i);
    if (c >= 256 || TOKEN[c] !== 1) throw fail(`bad method in Request-Line "${line}"`);
  }
  const rawUri = line.slice(sp1 + 1, sp2);
  if (rawUri.length === 0) throw fail('empty Request-URI');
  const req = new SipRequest(line.slice(0, sp1), rawUri, headers);
  // Parsed now: an unknown scheme is answered 416, a malformed URI 400.
  let uri;
  try {
    uri = req.uri;
  } catch (e) {
    if (e instanceof SipParseError && e.status === 400) throw fail(`bad Request-URI: ${e.message}`);
    throw e;
  }
  if (uri.scheme !== 'tel' && uri.headers.length > 0) {
    throw fail(`Request-URI must not carry headers: "${rawUri}"`);
  }
  return req;
}

function parseStatusLine(line: string, headers: SipHeaders): SipResponse {
  const sp1 = line.indexOf(' ');
  if (sp1 < 0 || line.slice(0, sp1).toUpperCase() !== 'SIP/2.0') throw fail(`malformed Status-Line "${line}"`);
  let sp2 = line.indexOf(' ', sp1 + 1);
  if (sp2 < 0) sp2 = line.length;
  const status = sp2 - sp1 - 1 === 3 ? parseDigits(line.slice(sp1 + 1, sp2), 699) : -1;
  if (status < 100) throw fail(`bad status code in "${line}"`);
  return new SipResponse(status, line.slice(sp2 + 1), headers);
}

function parseInner(buf: Buffer, opts: ParseOptions, isResponse: { value: boolean }): SipMessage {
  const maxSize = opts.maxSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  const start = skipLeadingCrlf(buf);
  if (start >= buf.length) throw fail('keep-alive or empty datagram', 0, 'Empty');
  isResponse.value =
    buf[start] === 83 && buf[start + 1] === 73 && buf[start + 2] === 80 && buf[start + 3] === 47; // "SIP/"
  if (buf.length > maxSize) throw fail(`message of ${buf.length} bytes exceeds ${maxSize}`, 413, 'Message Too Large');
  // One native search for CRLFCRLF; the bare-LF scan only if the start line ends in LF.
  const crlf2 = buf.indexOf(CRLFCRLF, start);
  let ends: [number, number] | null = crlf2 >= 0 ? [crlf2 + 2, crlf2 + 4] : findHeaderEnd(buf, start);
  if (ends === null) throw fail('no empty line ends the header section');
  let head = decodeHead(buf, start, ends[0]);
  let firstEnd = head.indexOf('\n');
  if (crlf2 >= 0 && firstEnd >= 0 && (firstEnd === 0 || head.charCodeAt(firstEnd - 1) !== 13)) {
    ends = findHeaderEnd(buf, start)!;
    head = decodeHead(buf, start, ends[0]);
    firstEnd = head.indexOf('\n');
  }
  if (firstEnd < 0) firstEnd = head.length;
  const firstLine = head.slice(0, firstEnd > 0 && head.charCodeAt(firstEnd - 1) === 13 ? firstEnd - 1 : firstEnd);
  const raw = indexHeaderLines(head, firstEnd + 1);
  let headers: SipHeaders;
  if (raw !== null) {
    headers = SipHeaders.fromRaw(raw);
  } else {
    const { fields, keys } = splitHeaderLines(head);
    headers = new SipHeaders(fields, keys);
  }
  const msg = isResponse.value ? parseStatusLine(firstLine, headers) : parseRequestLine(firstLine, headers);

  const length = contentLengthOf(headers.getAll('content-length'), opts.stream === true);
  const bodyStart = ends[1];
  if (length === undefined) {
    if (opts.stream) throw fail('Content-Length is mandatory on a stream transport', 400, 'Bad Request', true);
    msg.body = buf.subarray(bodyStart);
  } else {
    if (bodyStart + length > buf.length) {
      throw fail(`Content-Length ${length} exceeds the ${buf.length - bodyStart} body bytes received`);
    }
    // Bytes after the body are discarded (RFC 3261 18.3; RFC 4475 dblreq).
    msg.body = buf.subarray(bodyStart, bodyStart + length);
  }

  const cseqCount = headers.count('cseq');
  // A single CSeq is checked now (range, and method for requests); a missing or repeated
  // one surfaces, like every other single-value header, when read or validated.
  if (cseqCount === 1) {
    const cseq = msg.cseq;
    if (msg instanceof SipRequest && cseq.method !== msg.method) {
      throw fail(`CSeq method ${cseq.method} does not match the request method ${msg.method}`);
    }
  }
  if (opts.validate) validateMessage(msg);
  return msg;
}

/**
 * Parses one SIP message from a datagram (or a buffer framed by StreamFramer). Throws
 * only SipParseError; for responses its status is always 0 (drop: nothing to answer).
 */
export function parseMessage(buf: Buffer, opts: ParseOptions = {}): SipMessage {
  const isResponse = { value: false };
  try {
    return parseInner(buf, opts, isResponse);
  } catch (e) {
    if (!(e instanceof SipParseError)) {
      // A bug in a typed parser must still not escape as something else.
      throw new SipParseError(`unparseable message: ${(e as Error).message}`, { details: { cause: String(e), internal: true } });
    }
    if (isResponse.value && e.status !== 0) {
      throw new SipParseError(e.message, {
        status: 0,
        reason: 'Dropped',
        code: e.code,
        fatal: e.fatal,
        details: { ...e.details, wouldAnswer: e.status },
      });
    }
    throw e;
  }
}
