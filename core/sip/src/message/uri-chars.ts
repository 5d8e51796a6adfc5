/** Character sets of the RFC 3261 25.1 URI grammar, and %HEX handling. */

function table(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

export const ALNUM_TABLE = table('');
const UNRESERVED = "-_.!~*'()";
/** unreserved / escaped / user-unreserved */
export const USER_CHARS = table(UNRESERVED + '%&=+$,;?/');
/** user and password chars with the ':' between them */
export const USERINFO_CHARS = table(UNRESERVED + '%&=+$,;?/:');
/** unreserved / escaped / "&" / "=" / "+" / "$" / "," */
export const PASSWORD_CHARS = table(UNRESERVED + '%&=+$,');
/** paramchar plus the '=' separating name and value */
export const PARAM_CHARS = table(UNRESERVED + '%[]/:&+$=');
/** hnv-unreserved / unreserved / escaped, plus '=' and '&' separators */
export const HEADER_CHARS = table(UNRESERVED + '%[]/?:+$=&');
/** RFC 3966 global/local number digits and visual separators */
export const TEL_CHARS = table('+-.()*#%');

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** Every '%' between from and to is followed by two hex digits. */
export function checkEscapes(s: string, from: number, to: number): boolean {
  for (let i = s.indexOf('%', from); i >= 0 && i < to; i = s.indexOf('%', i + 1)) {
    if (i + 2 >= to) return false;
    if (hexVal(s.charCodeAt(i + 1)) < 0 || hexVal(s.charCodeAt(i + 2)) < 0) return false;
  }
  return true;
}

/**
 * Decodes %HEX escapes once. Bytes are read as UTF-8 when they form valid UTF-8 and
 * as Latin-1 otherwise; `%00` becomes U+0000 and truncates nothing.
 */
export function unescapeUri(s: string): string {
  if (s.indexOf('%') < 0) return s;
  const bytes: number[] = [];
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < s.length && hexVal(s.charCodeAt(i + 1)) >= 0 && hexVal(s.charCodeAt(i + 2)) >= 0) {
      const b = hexVal(s.charCodeAt(i + 1)) * 16 + hexVal(s.charCodeAt(i + 2));
      if (b >= 128) ascii = false;
      bytes.push(b);
      i += 2;
    } else if (c < 128) {
      bytes.push(c);
    } else {
      ascii = false;
      for (const b of Buffer.from(s[i]!, 'utf8')) bytes.push(b);
    }
  }
  const buf = Buffer.from(bytes);
  if (ascii) return buf.toString('latin1');
  const text = buf.toString('utf8');
  return Buffer.byteLength(text, 'utf8') === buf.length && !text.includes('\ufffd') ? text : buf.toString('latin1');
}

/** Optional URI parts compared after unescaping (RFC 3261 19.1.4). */
export function optEq(a: string | undefined, b: string | undefined, ci: boolean): boolean {
  if (a === undefined || b === undefined) return a === b;
  const ua = unescapeUri(a);
  const ub = unescapeUri(b);
  return ci ? ua.toLowerCase() === ub.toLowerCase() : ua === ub;
}

export function normParams(params: Map<string, string | null>): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const [k, v] of params) out.set(unescapeUri(k).toLowerCase(), v === null ? null : unescapeUri(v).toLowerCase());
  return out;
}

export function normHeaders(headers: Array<[string, string]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of headers) out.set(unescapeUri(k).toLowerCase(), unescapeUri(v));
  return out;
}
