/**
 * One pass over an Authorization / Proxy-Authorization value for the server. It accepts
 * and refuses exactly what parseAuthHeader does (same grammar, same failures: the tests
 * hold the two against each other), but builds no AuthHeader, param objects or lower-cased
 * names: it only records where the digest params the server reads sit in the string, the
 * first occurrence winning as AuthHeader.param does.
 *
 * The positions are module scratch, valid until the next scan: a caller reads the values
 * it needs before it yields. One REGISTER per flow comes through here, so the objects
 * the generic parse made per param were a visible share of the registrar's GC.
 */
import { PARAM_VALUE, TOKEN, unquote } from '../message/lex.js';

export const P_USERNAME = 0;
export const P_REALM = 1;
export const P_NONCE = 2;
export const P_URI = 3;
export const P_RESPONSE = 4;
export const P_ALGORITHM = 5;
export const P_QOP = 6;
export const P_NC = 7;
export const P_CNONCE = 8;
export const P_OPAQUE = 9;
export const P_USERHASH = 10;
const PARAMS = 11;

/** What scanCredentials found: a value parseAuthHeader would throw on, another scheme, or Digest. */
export const SCAN_INVALID = -1;
export const SCAN_OTHER_SCHEME = 0;
export const SCAN_DIGEST = 1;

// Value bounds of the last scan: inside the quotes for a quoted value; -1 when absent.
const starts = new Int32Array(PARAMS);
const ends = new Int32Array(PARAMS);
// 1 when the quoted value holds a quoted-pair and must go through unquote.
const escaped = new Uint8Array(PARAMS);
let text = '';

/**
 * The scanned value, one UTF-16 unit per element. The header value is a slice of the
 * message text, and charCodeAt on a sliced string pays for the indirection on every
 * character; one native copy and typed-array reads cost about half. It grows to the
 * longest value seen, which the transport's message size limit bounds.
 */
let units = new Uint16Array(1024);
let unitBytes = Buffer.from(units.buffer);
const LITTLE_ENDIAN = new Uint16Array(new Uint8Array([1, 0]).buffer)[0] === 1;
type Ucs2Writable = { ucs2Write?: (s: string, offset: number, length: number) => number };

function load(s: string): Uint16Array {
  const n = s.length;
  if (n > units.length) {
    units = new Uint16Array(2 ** Math.ceil(Math.log2(n)));
    unitBytes = Buffer.from(units.buffer);
  }
  const u = units;
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < n; i++) u[i] = s.charCodeAt(i);
  } else {
    // Buffer#ucs2Write skips write()'s argument juggling; write() is the fallback.
    const b = unitBytes as Ucs2Writable;
    if (b.ucs2Write !== undefined) b.ucs2Write(s, 0, n * 2);
    else unitBytes.write(s, 0, n * 2, 'utf16le');
  }
  return u;
}

/** Scans one header value; the params are then read with has/value/valueEquals. */
export function scanCredentials(s: string): number {
  text = s;
  for (let k = 0; k < PARAMS; k++) starts[k] = -1;
  const len = s.length;
  const u = load(s);
  let i = skipWs(u, 0, len);
  let e = scanToken(u, i, len);
  if (e === i) return SCAN_INVALID;
  const digest = e - i === 6 && foldedEquals(u, i, 'digest');
  i = skipWs(u, e, len);
  if (i >= len) return digest ? SCAN_DIGEST : SCAN_OTHER_SCHEME;
  if (i === e) return SCAN_INVALID;
  for (;;) {
    e = scanToken(u, i, len);
    if (e === i) return SCAN_INVALID;
    const id = digest ? paramId(u, i, e) : -1;
    i = skipWs(u, e, len);
    if (i >= len || u[i] !== 61) return SCAN_INVALID;
    i = skipWs(u, i + 1, len);
    let vs: number;
    let ve: number;
    let esc = 0;
    if (i < len && u[i] === 34) {
      // lex.ts scanQuoted: a quoted-pair (backslash and the next unit) is skipped whole.
      vs = i + 1;
      let j = vs;
      for (;;) {
        if (j >= len) return SCAN_INVALID;
        const c = u[j]!;
        if (c === 34) break;
        if (c === 92) {
          if (j + 1 >= len) return SCAN_INVALID;
          esc = 1;
          j += 2;
        } else {
          j++;
        }
      }
      ve = j;
      i = j + 1;
    } else {
      vs = i;
      while (i < len) {
        const c = u[i]!;
        if (c >= 256 || PARAM_VALUE[c] !== 1) break;
        i++;
      }
      if (i === vs) return SCAN_INVALID;
      ve = i;
    }
    if (id >= 0 && starts[id]! < 0) {
      starts[id] = vs;
      ends[id] = ve;
      escaped[id] = esc;
    }
    i = skipWs(u, i, len);
    if (i >= len) return digest ? SCAN_DIGEST : SCAN_OTHER_SCHEME;
    if (u[i] !== 44) return SCAN_INVALID;
    i = skipWs(u, i + 1, len);
  }
}

export function has(id: number): boolean {
  return starts[id]! >= 0;
}

/** The value as AuthHeader.param returns it: quotes removed, quoted-pairs resolved. */
export function value(id: number): string | undefined {
  const a = starts[id]!;
  if (a < 0) return undefined;
  // The quoted-string with its quotes, as unquote expects it.
  if (escaped[id] === 1) return unquote(text.slice(a - 1, ends[id]! + 1));
  return text.slice(a, ends[id]);
}

/** value(id) === expected, without slicing in the common unescaped case. */
export function valueEquals(id: number, expected: string): boolean {
  const a = starts[id]!;
  if (a < 0) return false;
  if (escaped[id] === 1) return value(id) === expected;
  const n = expected.length;
  if (ends[id]! - a !== n) return false;
  const u = units;
  for (let k = 0; k < n; k++) if (u[a + k] !== expected.charCodeAt(k)) return false;
  return true;
}

/**
 * value(id)?.toLowerCase() === lower, for a lower-case ASCII `lower` without 'k' (the
 * Kelvin sign lower-cases to 'k'; no other non-ASCII character lower-cases to a plain
 * ASCII letter), so folding ASCII letters in place gives the same answer.
 */
export function foldedValueEquals(id: number, lower: string): boolean {
  const a = starts[id]!;
  if (a < 0) return false;
  if (escaped[id] === 1) return value(id)!.toLowerCase() === lower;
  return ends[id]! - a === lower.length && foldedEquals(units, a, lower);
}

/** value(id) is at least `min` hex digits (either case) and nothing else; false when absent. */
export function isHexValue(id: number, min: number): boolean {
  const a = starts[id]!;
  if (a < 0) return false;
  if (escaped[id] === 1) return isHex(value(id)!, min);
  const e = ends[id]!;
  if (e - a < min) return false;
  const u = units;
  for (let i = a; i < e; i++) if (!isHexUnit(u[i]!)) return false;
  return true;
}

/** The length of value(id), -1 when absent. */
export function valueLength(id: number): number {
  const a = starts[id]!;
  if (a < 0) return -1;
  return escaped[id] === 1 ? value(id)!.length : ends[id]! - a;
}

export function isHex(s: string, min: number): boolean {
  if (s.length < min) return false;
  for (let i = 0; i < s.length; i++) if (!isHexUnit(s.charCodeAt(i))) return false;
  return true;
}

const HEX = new Uint8Array(128);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

function isHexUnit(c: number): boolean {
  return c < 128 && HEX[c] === 1;
}

/** u[at, at + lower.length) equals `lower` with ASCII letters compared case-insensitively. */
function foldedEquals(u: Uint16Array, at: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) {
    const c = u[at + k]!;
    const t = lower.charCodeAt(k);
    // Only letters fold: `| 0x20` alone would also match CR to '-'.
    if (c !== t && !(t >= 97 && t <= 122 && c === t - 32)) return false;
  }
  return true;
}

/** Which recorded param the token u[a, e) names, or -1. Names are tokens: ASCII only. */
function paramId(s: Uint16Array, a: number, e: number): number {
  switch (e - a) {
    case 2:
      return foldedEquals(s, a, 'nc') ? P_NC : -1;
    case 3:
      if (foldedEquals(s, a, 'uri')) return P_URI;
      return foldedEquals(s, a, 'qop') ? P_QOP : -1;
    case 5:
      if (foldedEquals(s, a, 'realm')) return P_REALM;
      return foldedEquals(s, a, 'nonce') ? P_NONCE : -1;
    case 6:
      if (foldedEquals(s, a, 'cnonce')) return P_CNONCE;
      return foldedEquals(s, a, 'opaque') ? P_OPAQUE : -1;
    case 8:
      if (foldedEquals(s, a, 'username')) return P_USERNAME;
      if (foldedEquals(s, a, 'response')) return P_RESPONSE;
      return foldedEquals(s, a, 'userhash') ? P_USERHASH : -1;
    case 9:
      return foldedEquals(s, a, 'algorithm') ? P_ALGORITHM : -1;
    default:
      return -1;
  }
}

function skipWs(u: Uint16Array, i: number, end: number): number {
  while (i < end) {
    const c = u[i]!;
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

function scanToken(u: Uint16Array, i: number, end: number): number {
  while (i < end) {
    const c = u[i]!;
    if (c >= 256 || TOKEN[c] !== 1) break;
    i++;
  }
  return i;
}
