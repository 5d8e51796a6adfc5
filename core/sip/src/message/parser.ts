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
import { H_CONTENT_LENGTH, H_CSEQ, RawHeaderIndex, isKnownNameLength, knownHeaderId, scratchIds, scratchOffs } from './raw-headers.js';
import { asciiEnds, indexAsciiHead } from './ascii-head.js';
import type { SipMessage } from './message.js';
import { SipRequest } from './message.js';
import { TOKEN, parseDigits, trimWs } from './lex.js';
import { requestLineIn, statusLineIn } from './start-line.js';
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
/** Shared by every message with Content-Length: 0. */
const EMPTY_BODY = Buffer.alloc(0);

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
 * Fast path of splitHeaderLines over s[from, end): records each line's name and value
 * offsets without allocating per line, and which known header each line is. Returns
 * null when a line is folded (the slow path unfolds it).
 */
function indexHeaderLines(s: string, from: number, end: number): RawHeaderIndex | null {
  const offs = scratchOffs;
  const ids = scratchIds;
  const firstOf = [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1];
  const countOf = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  let pos = from;
  let n = 0;
  while (pos < end) {
    let i = pos;
    let ch = s.charCodeAt(i);
    if (ch === 32 || ch === 9) return null;
    // The name is validated while looking for the colon, and packed for knownHeaderId:
    // one pass over it.
    let packed = 0;
    while (i < end) {
      ch = s.charCodeAt(i);
      if (ch >= 256 || TOKEN[ch] !== 1) break;
      packed = packed * 128 + (ch | 0x20);
      i++;
    }
    const ne = i;
    while (ch === 32 || ch === 9) ch = s.charCodeAt(++i);
    if (ch !== 58 || ne === pos || i >= end) {
      let eol = s.indexOf('\n', pos);
      if (eol < 0 || eol > end) eol = end;
      throw fail(ne === pos && i === pos && (ch === 13 || ch === 10) ? 'empty line inside the header section' : `bad header line "${s.slice(pos, eol).trim()}"`);
    }
    ch = s.charCodeAt(++i);
    while (ch === 32 || ch === 9) ch = s.charCodeAt(++i);
    const vs = i;
    let eol = s.indexOf('\n', i);
    if (eol < 0 || eol > end) eol = end;
    let ve = eol > vs && s.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
    if (ve > vs && (s.charCodeAt(ve - 1) === 32 || s.charCodeAt(ve - 1) === 9)) {
      while (ve > vs && (s.charCodeAt(ve - 1) === 32 || s.charCodeAt(ve - 1) === 9)) ve--;
    }
    const o = n * 4;
    offs[o] = pos;
    offs[o + 1] = ne;
    offs[o + 2] = vs;
    offs[o + 3] = ve;
    const nameLen = ne - pos;
    const id = isKnownNameLength(nameLen) ? knownHeaderId(s, pos, nameLen, packed) : 0;
    ids[n] = id;
    if (id !== 0 && countOf[id]++ === 0) firstOf[id] = n;
    n++;
    pos = eol + 1;
  }
  return RawHeaderIndex.fromScratch(s, n, firstOf, countOf);
}

/** Content-Length in place (contentLengthOf without slicing the values out). */
function contentLengthIn(raw: RawHeaderIndex, fatal: boolean): number | undefined {
  const count = raw.countOf[H_CONTENT_LENGTH]!;
  if (count === 0) return undefined;
  const s = raw.text;
  let length: number | undefined;
  for (let line = raw.firstOf[H_CONTENT_LENGTH]!, seen = 0; seen < count; line++) {
    if (raw.ids[line] !== H_CONTENT_LENGTH) continue;
    seen++;
    const vs = raw.offs[line * 4 + 2]!;
    const ve = raw.offs[line * 4 + 3]!;
    let n = vs < ve ? 0 : -1;
    for (let i = vs; i < ve && n >= 0; i++) {
      const d = s.charCodeAt(i) - 48;
      n = d < 0 || d > 9 ? -1 : n * 10 + d;
      if (n > 0xffffffff) n = -1;
    }
    if (n < 0) throw fail(`bad Content-Length "${s.slice(vs, ve)}"`, 400, 'Bad Request', fatal);
    if (length !== undefined && length !== n) {
      throw fail(`Content-Length headers disagree (${length} and ${n})`, 400, 'Bad Request', fatal);
    }
    length = n;
  }
  return length;
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

/** Whether the message being parsed is a response (set first thing; parsing is synchronous). */
let parsingResponse = false;

function parseInner(buf: Buffer, opts: ParseOptions): SipMessage {
  const maxSize = opts.maxSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  const start = skipLeadingCrlf(buf);
  if (start >= buf.length) throw fail('keep-alive or empty datagram', 0, 'Empty');
  parsingResponse =
    buf[start] === 83 && buf[start + 1] === 73 && buf[start + 2] === 80 && buf[start + 3] === 47; // "SIP/"
  if (buf.length > maxSize) throw fail(`message of ${buf.length} bytes exceeds ${maxSize}`, 413, 'Message Too Large');
  // text[textStart, lineEnd) is the start line, the header lines are in raw (or, folded,
  // in headers' fields), bodyStart is where the body starts in buf.
  let text: string | undefined;
  let raw: RawHeaderIndex | null = null;
  if (isAscii(buf)) {
    // Decoded once, body and all: every offset below is a byte offset too.
    text = latin1(buf, 0, buf.length);
    raw = indexAsciiHead(buf, text, start);
  }
  let textStart: number;
  let lineEnd: number;
  let bodyStart: number;
  let headers: SipHeaders;
  if (raw !== null) {
    textStart = start;
    lineEnd = asciiEnds.lineEnd;
    bodyStart = asciiEnds.bodyStart;
    headers = SipHeaders.fromRaw(raw);
  } else {
    // The general path: bare-LF line ends, folding, non-ASCII text, and every error.
    let headEnd: number;
    let ends: [number, number] | null;
    if (text !== undefined) {
      const crlf2 = text.indexOf('\r\n\r\n', start);
      const nl = crlf2 < 0 ? -1 : text.indexOf('\n', start);
      // A start line ending in a bare LF means bare-LF line ends: findHeaderEnd looks for those.
      ends = crlf2 >= 0 && nl > start && text.charCodeAt(nl - 1) === 13 ? [crlf2 + 2, crlf2 + 4] : findHeaderEnd(buf, start);
      if (ends === null) throw fail('no empty line ends the header section');
      textStart = start;
      headEnd = ends[0];
    } else {
      // One native search for CRLFCRLF; the bare-LF scan only if the start line ends in LF.
      const crlf2 = buf.indexOf(CRLFCRLF, start);
      ends = crlf2 >= 0 ? [crlf2 + 2, crlf2 + 4] : findHeaderEnd(buf, start);
      if (ends === null) throw fail('no empty line ends the header section');
      text = decodeHead(buf, start, ends[0]);
      const firstNl = text.indexOf('\n');
      if (crlf2 >= 0 && firstNl >= 0 && (firstNl === 0 || text.charCodeAt(firstNl - 1) !== 13)) {
        ends = findHeaderEnd(buf, start)!;
        text = decodeHead(buf, start, ends[0]);
      }
      textStart = 0;
      headEnd = text.length;
    }
    bodyStart = ends[1];
    let firstEnd = text.indexOf('\n', textStart);
    if (firstEnd < 0 || firstEnd > headEnd) firstEnd = headEnd;
    lineEnd = firstEnd > textStart && text.charCodeAt(firstEnd - 1) === 13 ? firstEnd - 1 : firstEnd;
    raw = indexHeaderLines(text, firstEnd + 1, headEnd);
    if (raw !== null) {
      headers = SipHeaders.fromRaw(raw);
    } else {
      const { fields, keys } = splitHeaderLines(textStart === 0 && headEnd === text.length ? text : text.slice(textStart, headEnd));
      headers = new SipHeaders(fields, keys);
    }
  }
  // Both paths above have set text.
  const line = text!;
  const msg = parsingResponse ? statusLineIn(line, textStart, lineEnd, headers) : requestLineIn(line, textStart, lineEnd, headers);

  const fatal = opts.stream === true;
  const length = raw !== null ? contentLengthIn(raw, fatal) : contentLengthOf(headers.getAll('content-length'), fatal);
  if (length === undefined) {
    if (opts.stream) throw fail('Content-Length is mandatory on a stream transport', 400, 'Bad Request', true);
    msg.body = buf.subarray(bodyStart);
  } else {
    if (bodyStart + length > buf.length) {
      throw fail(`Content-Length ${length} exceeds the ${buf.length - bodyStart} body bytes received`);
    }
    // Bytes after the body are discarded (RFC 3261 18.3; RFC 4475 dblreq).
    // An empty body must not keep the whole datagram alive (transactions hold requests for 32 s).
    msg.body = length === 0 ? EMPTY_BODY : buf.subarray(bodyStart, bodyStart + length);
  }

  const cseqCount = raw !== null ? raw.countOf[H_CSEQ]! : headers.count('cseq');
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
const NO_OPTIONS: ParseOptions = Object.freeze({});

export function parseMessage(buf: Buffer, opts: ParseOptions = NO_OPTIONS): SipMessage {
  parsingResponse = false;
  try {
    return parseInner(buf, opts);
  } catch (e) {
    if (!(e instanceof SipParseError)) {
      // A bug in a typed parser must still not escape as something else.
      throw new SipParseError(`unparseable message: ${(e as Error).message}`, { details: { cause: String(e), internal: true } });
    }
    if (parsingResponse && e.status !== 0) {
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
