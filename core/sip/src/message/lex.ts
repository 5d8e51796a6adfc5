/**
 * Character classes and small scanners shared by the header and URI parsers. Everything
 * works on indexes into one string with charCodeAt and lookup tables: no regex on the
 * hot path, so a hostile header cannot trigger backtracking.
 */
import { SipHeaderError } from './errors.js';

function table(chars: string, ranges: Array<[number, number]> = []): Uint8Array {
  const t = new Uint8Array(256);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  for (const [lo, hi] of ranges) for (let c = lo; c <= hi; c++) t[c] = 1;
  return t;
}

const ALNUM: Array<[number, number]> = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x61, 0x7a],
];

/** RFC 3261 token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" */
export const TOKEN = table("-.!%*_+`'~", ALNUM);
/** Characters a tolerant generic-param value may hold besides a quoted-string (token / host). */
export const PARAM_VALUE = table("-.!%*_+`'~:[]/@?&=$()", ALNUM);
/** Host names, IPv4 and the bracketed IPv6 reference. */
export const HOST = table('-._[]:', ALNUM);
export const DIGIT = table('', [[0x30, 0x39]]);

export function isTokenChar(c: number): boolean {
  return c < 256 && TOKEN[c] === 1;
}

/** True when the whole string is a non-empty token. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

/** Index of the first character that is not SP or HT (folding is already unfolded). */
export function skipWs(s: string, i: number, end = s.length): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

/** End index of the token starting at i (i itself when none). */
export function scanToken(s: string, i: number, end = s.length): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c >= 256 || TOKEN[c] !== 1) break;
    i++;
  }
  return i;
}

/** Trims SP and HT only: String#trim would also eat NBSP and other Unicode spaces. */
export function trimWs(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * s[i] is the opening DQUOTE: returns the index after the closing one, or -1 when the
 * string is unterminated. quoted-pair (backslash + any char but CR/LF) is skipped whole.
 */
export function scanQuoted(s: string, i: number, end = s.length): number {
  i++;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c === 92) {
      if (i + 1 >= end) return -1;
      i += 2;
      continue;
    }
    i++;
  }
  return -1;
}

/** The content of a quoted-string with quoted-pairs resolved (`"a\"b"` -> `a"b`). */
export function unquote(raw: string): string {
  if (raw.length < 2 || raw.charCodeAt(0) !== 34) return raw;
  const inner = raw.slice(1, -1);
  if (inner.indexOf('\\') < 0) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '\\' && i + 1 < inner.length) out += inner[++i];
    else out += c;
  }
  return out;
}

/** Wraps text as a quoted-string, escaping `"` and `\`. */
export function quote(text: string): string {
  return '"' + text.replace(/["\\]/g, (c) => '\\' + c) + '"';
}

export type ParamMap = Map<string, string | null>;

/**
 * Reads `*( SEMI generic-param )` from s at i. Names are lower-cased (they compare
 * case-insensitively), values are kept raw (a quoted value keeps its quotes). Stops at
 * a top-level `,` or the end; anything else is a grammar error.
 */
export function scanParams(s: string, i: number, header: string, into?: ParamMap, end = s.length, base = 0): number {
  tagNameAt = -1;
  for (;;) {
    // Fast path: no LWS around ';', '=' (the common spelling).
    if (i < end && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i = skipWs(s, i, end);
    if (i >= end || s.charCodeAt(i) === 44) return i;
    if (s.charCodeAt(i) !== 59) {
      throw new SipHeaderError(`${header}: unexpected '${s[i]}' at offset ${i - base}`, header);
    }
    i++;
    if (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9) i = skipWs(s, i, end);
    const nameStart = i;
    const nameEnd = scanToken(s, i, end);
    if (nameEnd === i) throw new SipHeaderError(`${header}: empty parameter name at offset ${i - base}`, header);
    i = nameEnd < end && (s.charCodeAt(nameEnd) === 32 || s.charCodeAt(nameEnd) === 9) ? skipWs(s, nameEnd, end) : nameEnd;
    let vs = -1;
    if (i < end && s.charCodeAt(i) === 61) {
      i++;
      if (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9) i = skipWs(s, i, end);
      vs = i;
      i = scanParamValue(s, i, end);
      if (i < 0) throw new SipHeaderError(`${header}: unterminated quoted parameter value in "${s.slice(base, end)}"`, header);
      if (i === vs) throw new SipHeaderError(`${header}: parameter without a value in "${s.slice(base, end)}"`, header);
    }
    if (
      tagNameAt < 0 &&
      nameEnd - nameStart === 3 &&
      (s.charCodeAt(nameStart) | 0x20) === 116 &&
      (s.charCodeAt(nameStart + 1) | 0x20) === 97 &&
      (s.charCodeAt(nameStart + 2) | 0x20) === 103
    ) {
      tagNameAt = nameStart;
      tagValueAt = vs;
      tagValueEnd = i;
    }
    if (into !== undefined) into.set(s.slice(nameStart, nameEnd).toLowerCase(), vs < 0 ? null : s.slice(vs, i));
  }
}

// The first `tag` param met by the last scanParams (module state: no object per call).
let tagNameAt = -1;
let tagValueAt = -1;
let tagValueEnd = -1;

/**
 * The first `tag` param of what the last scanParams call over s read, as findParam
 * would return it: undefined when absent, null for a bare flag, else the raw value.
 */
export function scannedTag(s: string): string | null | undefined {
  if (tagNameAt < 0) return undefined;
  return tagValueAt < 0 ? null : s.slice(tagValueAt, tagValueEnd);
}

/** End of a param value at i: a quoted-string (-1 if unterminated) or a token/host run. */
export function scanParamValue(s: string, i: number, end = s.length): number {
  if (i < end && s.charCodeAt(i) === 34) return scanQuoted(s, i, end);
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c >= 256 || PARAM_VALUE[c] !== 1) break;
    i++;
  }
  return i;
}

/**
 * Looks a param up in params text already checked by scanParams, without building a
 * map: undefined when absent, null for a flag, else the raw value.
 */
export function findParam(s: string, name: string, from = 0, end = s.length): string | null | undefined {
  let i = from;
  const n = name.length;
  for (;;) {
    i = skipWs(s, i, end);
    if (i >= end || s.charCodeAt(i) !== 59) return undefined;
    i = skipWs(s, i + 1, end);
    const ns = i;
    const ne = scanToken(s, i, end);
    let match = ne - ns === n;
    for (let k = 0; match && k < n; k++) match = (s.charCodeAt(ns + k) | 0x20) === name.charCodeAt(k);
    i = skipWs(s, ne, end);
    let value: string | null = null;
    if (i < end && s.charCodeAt(i) === 61) {
      i = skipWs(s, i + 1, end);
      const vs = i;
      i = scanParamValue(s, i, end);
      if (match) value = s.slice(vs, i);
    }
    if (match) return value;
  }
}

/** Parses params text already checked by scanParams into a map. */
export function paramsFromText(s: string): ParamMap {
  const out: ParamMap = new Map();
  scanParams(s, 0, 'params', out);
  return out;
}

/** `;name=value;flag` in map order. */
export function paramsToString(params: ParamMap): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}

/** Well-known methods by length: request lines and CSeq values nearly always name one. */
const METHODS_BY_LENGTH: readonly (readonly string[])[] = [
  [],
  [],
  [],
  ['ACK', 'BYE'],
  ['INFO'],
  ['PRACK', 'REFER'],
  ['INVITE', 'CANCEL', 'NOTIFY', 'UPDATE'],
  ['OPTIONS', 'PUBLISH', 'MESSAGE'],
  ['REGISTER'],
  ['SUBSCRIBE'],
];

/** s holds `word` at `at` (exact case); a loop, cheaper than startsWith in hot code. */
export function sameChars(s: string, at: number, word: string): boolean {
  for (let k = 1; k < word.length; k++) if (s.charCodeAt(at + k) !== word.charCodeAt(k)) return false;
  return word.length > 0 && s.charCodeAt(at) === word.charCodeAt(0);
}

/** The method token s[ms, me): a shared constant when it is a well-known one, else a slice. */
export function methodName(s: string, ms: number, me: number): string {
  const n = me - ms;
  if (n < METHODS_BY_LENGTH.length) {
    const c = s.charCodeAt(ms);
    const list = METHODS_BY_LENGTH[n]!;
    for (let k = 0; k < list.length; k++) {
      const m = list[k]!;
      if (m.charCodeAt(0) === c && sameChars(s, ms, m)) return m;
    }
  }
  return s.slice(ms, me);
}

/** Parses a decimal made only of digits (leading zeros allowed); -1 when not one or above max. */
export function parseDigits(s: string, max: number): number {
  if (s.length === 0) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
    if (n > max) return -1;
  }
  return n > max ? -1 : n;
}

/** The single line of a single-value header; throws when missing or repeated. */
export function single(name: string, lines: readonly string[]): string {
  if (lines.length !== 1) {
    throw new SipHeaderError(
      lines.length === 0 ? `missing ${name} header` : `${name} header appears ${lines.length} times; exactly one is allowed`,
      name,
    );
  }
  return lines[0]!;
}

/** A delta-seconds value followed by optional params (Min-SE, Session-Expires, Retry-After). */
export function scanDelta(name: string, s: string, max = 0xffffffff): [number, number] {
  const i = skipWs(s, 0);
  let e = i;
  while (e < s.length && s.charCodeAt(e) >= 48 && s.charCodeAt(e) <= 57) e++;
  const n = parseDigits(s.slice(i, e), max);
  if (n < 0) throw new SipHeaderError(`${name}: bad delta-seconds in "${s}"`, name);
  return [n, e];
}
