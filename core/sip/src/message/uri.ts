/**
 * SIP/SIPS (RFC 3261 19.1), tel (RFC 3966) and opaque absolute URIs. Text is kept as
 * received: %HEX escapes stay escaped in every field (so `%00` can never truncate
 * anything and nothing is decoded twice); comparisons unescape where 19.1.4 says so.
 */
import { SipParseError } from './errors.js';
import { ALNUM_TABLE, checkEscapes } from './uri-chars.js';
import { SipUri } from './sip-uri.js';
import { GenericUri, TelUri } from './uri-kinds.js';
import { USERINFO_CHARS, PASSWORD_CHARS, PARAM_CHARS, HEADER_CHARS, TEL_CHARS } from './uri-chars.js';
import { HOST } from './lex.js';

export { unescapeUri } from './uri-chars.js';
export { GenericUri, TelUri } from './uri-kinds.js';
export { SipUri } from './sip-uri.js';

function bad(text: string, why: string): SipParseError {
  return new SipParseError(`malformed URI "${text}": ${why}`, { code: 'RVOIP_ERR_SIP_URI', details: { uri: text } });
}

/** Host name and IPv4 characters (HOST without the IPv6 brackets and ':'). */
const HOSTNAME = HOST.map((v, c) => (c === 58 || c === 91 || c === 93 ? 0 : v));

function checkChars(text: string, part: string, from: number, to: number, allowed: Uint8Array, what: string): void {
  for (let i = from; i < to; i++) {
    const c = part.charCodeAt(i);
    if (c >= 128 || allowed[c] !== 1) throw bad(text, `character '${part[i]}' not allowed in the ${what}`);
  }
  if (!checkEscapes(part, from, to)) throw bad(text, `bad %HEX escape in the ${what}`);
}


export type AnyUri = SipUri | TelUri | GenericUri;

/** The scheme (lower-cased) and the index of its colon; throws 400 when there is none. */
function scanScheme(text: string): [string, number] {
  const colon = text.indexOf(':');
  if (colon <= 0) throw bad(text, 'no scheme');
  const c0 = text.charCodeAt(0) | 0x20;
  if (c0 < 0x61 || c0 > 0x7a) throw bad(text, 'scheme must start with a letter');
  for (let i = 1; i < colon; i++) {
    const c = text.charCodeAt(i);
    if (!(c < 128 && (ALNUM_TABLE[c] === 1 || c === 43 || c === 45 || c === 46))) throw bad(text, 'bad scheme');
  }
  return [text.slice(0, colon).toLowerCase(), colon];
}

/**
 * Parses a sip, sips or tel URI. Other schemes throw SipParseError 416 (Unsupported URI
 * Scheme); malformed text throws 400.
 */
export function parseUri(text: string): SipUri | TelUri {
  const fast = sipScheme(text, 0, text.length);
  if (fast !== undefined) return parseSip(text, fast, fast.length + 1, text.length);
  const [scheme, colon] = scanScheme(text);
  if (scheme === 'sip' || scheme === 'sips') return parseSip(text, scheme, colon + 1, text.length);
  if (scheme === 'tel') return parseTel(text, colon + 1);
  throw new SipParseError(`unsupported URI scheme "${scheme}" in "${text}"`, {
    status: 416,
    reason: 'Unsupported URI Scheme',
    code: 'RVOIP_ERR_SIP_URI_SCHEME',
    details: { uri: text, scheme },
  });
}

/** Like parseUri but keeps unknown schemes as GenericUri (header fields may carry any URI). */
export function parseAnyUri(text: string): AnyUri {
  const [scheme, colon] = scanScheme(text);
  if (scheme === 'sip' || scheme === 'sips') return parseSip(text, scheme, colon + 1, text.length);
  if (scheme === 'tel') return parseTel(text, colon + 1);
  for (let i = colon + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 127 || c === 60 || c === 62 || c === 34) throw bad(text, 'control, space or <>" character');
  }
  if (colon + 1 >= text.length) throw bad(text, 'empty URI');
  return new GenericUri(scheme, text.slice(colon + 1));
}

/** "sip:" or "sips:" (any case) at text[at]: the scheme, or undefined. */
function sipScheme(text: string, at: number, end: number): 'sip' | 'sips' | undefined {
  if (at + 4 > end || (text.charCodeAt(at) | 0x20) !== 115 || (text.charCodeAt(at + 1) | 0x20) !== 105 || (text.charCodeAt(at + 2) | 0x20) !== 112) {
    return undefined;
  }
  const c = text.charCodeAt(at + 3);
  if (c === 58) return 'sip';
  return (c | 0x20) === 115 && at + 5 <= end && text.charCodeAt(at + 4) === 58 ? 'sips' : undefined;
}

/** parseUri of text[start, end): in place for sip/sips, through the slice otherwise (and for every error). */
export function parseUriIn(text: string, start: number, end: number): SipUri | TelUri {
  const scheme = sipScheme(text, start, end);
  if (scheme !== undefined) {
    try {
      return parseSip(text, scheme, start + scheme.length + 1, end);
    } catch {
      // Fall through: the slice reports the error as the URI's own.
    }
  }
  return parseUri(text.slice(start, end));
}

/**
 * parseAnyUri of text[start, end) without slicing it out: SIP URIs are parsed in place,
 * anything else (and every error, so that messages name the URI alone) goes through
 * parseAnyUri on the slice.
 */
export function parseAnyUriIn(text: string, start: number, end: number): AnyUri {
  const scheme = sipScheme(text, start, end);
  if (scheme !== undefined) {
    try {
      return parseSip(text, scheme, start + scheme.length + 1, end);
    } catch {
      // Fall through: the slice reports the error as the URI's own.
    }
  }
  return parseAnyUri(text.slice(start, end));
}

/**
 * Throws what parseAnyUriIn(text, start, end) would throw, building nothing for a valid
 * sip/sips URI (other schemes, and every error, go through parseAnyUri on the slice).
 */
export function checkAnyUriIn(text: string, start: number, end: number): void {
  const scheme = sipScheme(text, start, end);
  if (scheme !== undefined) {
    try {
      scanSip(text, start + scheme.length + 1, end, undefined);
      return;
    } catch {
      // Fall through: the slice reports the error as the URI's own.
    }
  }
  parseAnyUri(text.slice(start, end));
}

/** Index after the run of `allowed` chars (valid %HEX escapes included) from i; -1 on a bad escape. */
function scanChars(text: string, i: number, end: number, allowed: Uint8Array, stops: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === stops) return i;
    if (c >= 128 || allowed[c] !== 1) return i;
    if (c === 37) {
      if (i + 2 >= end || !isHex(text.charCodeAt(i + 1)) || !isHex(text.charCodeAt(i + 2))) return -1;
      i += 3;
      continue;
    }
    i++;
  }
  return i;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);
}

/** Shared init for the parser's URIs: no object literal per URI parsed. */
const BLANK_SIP_URI = Object.freeze({ host: '' });

function parseSip(text: string, scheme: 'sip' | 'sips', start: number, end: number): SipUri {
  const uri = new SipUri(BLANK_SIP_URI);
  uri.scheme = scheme;
  scanSip(text, start, end, uri);
  return uri;
}

/**
 * The sip/sips grammar after the scheme's colon; fills `uri` when given, else only checks
 * (validation of a URI nobody may read builds nothing).
 */
function scanSip(text: string, start: number, end: number, uri: SipUri | undefined): void {
  let i = start;
  // userinfo cannot hold an unescaped '@' and neither can hostport, params or headers:
  // the first '@' (if any, after a run of userinfo chars) ends the userinfo.
  const ue = scanChars(text, start, end, USERINFO_CHARS, 64);
  if (ue < 0) throw bad(text, 'bad %HEX escape in the user part');
  if (ue < end && text.charCodeAt(ue) === 64) {
    // The password's ':' can only be inside the userinfo: searched there alone.
    let pw = start;
    while (pw < ue && text.charCodeAt(pw) !== 58) pw++;
    if (pw < ue) {
      if (scanChars(text, pw + 1, ue, PASSWORD_CHARS, -1) !== ue) throw bad(text, 'bad character in the password');
    }
    // pw is where the user part ends (ue without a password).
    if (pw === start) throw bad(text, 'empty user part before @');
    if (uri !== undefined) {
      uri.user = text.slice(start, pw);
      if (pw < ue) uri.password = text.slice(pw + 1, ue);
    }
    i = ue + 1;
  }
  const hostStart = i;
  if (i < end && text.charCodeAt(i) === 91) {
    const close = text.indexOf(']', i);
    if (close < 0 || close >= end) throw bad(text, 'unterminated IPv6 reference');
    for (let k = i + 1; k < close; k++) {
      const c = text.charCodeAt(k);
      if (!(isHex(c) || c === 58 || c === 46)) throw bad(text, 'bad IPv6 reference');
    }
    i = close + 1;
  } else {
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c < 128 && HOSTNAME[c] === 1) {
        i++;
        continue;
      }
      if (c === 58 || c === 59 || c === 63) break;
      throw bad(text, `character '${text[i]}' not allowed in the host`);
    }
  }
  if (i === hostStart) throw bad(text, 'empty host');
  if (uri !== undefined) uri.host = text.slice(hostStart, i);
  if (i < end && text.charCodeAt(i) === 58) {
    const ps = ++i;
    let port = 0;
    while (i < end) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      port = port * 10 + d;
      i++;
    }
    if (i === ps || port > 65535 || (i < end && text.charCodeAt(i) !== 59 && text.charCodeAt(i) !== 63)) {
      throw bad(text, 'bad port');
    }
    if (uri !== undefined) uri.port = port;
  }
  const paramsStart = i;
  while (i < end && text.charCodeAt(i) === 59) {
    const ps = ++i;
    let eq = -1;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === 59 || c === 63) break;
      if (c === 61 && eq < 0) eq = i;
      else if (c >= 128 || PARAM_CHARS[c] !== 1) throw bad(text, `character '${text[i]}' not allowed in a parameter`);
      else if (c === 37 && (i + 2 >= end || !isHex(text.charCodeAt(i + 1)) || !isHex(text.charCodeAt(i + 2)))) {
        throw bad(text, 'bad %HEX escape in a parameter');
      }
      i++;
    }
    if (i === ps || eq === ps) throw bad(text, 'empty parameter name');
  }
  if (i > paramsStart && uri !== undefined) uri.setParamsText(text.slice(paramsStart, i));
  if (i < end) {
    // i is on '?': headers run to the end, '&'-separated.
    const hs = i + 1;
    checkChars(text, text, hs, end, HEADER_CHARS, 'headers');
    for (const pair of text.slice(hs, end).split('&')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw bad(text, 'header without name=value');
      if (uri !== undefined) uri.headers.push([pair.slice(0, eq), pair.slice(eq + 1)]);
    }
  }
}

function parseTel(text: string, start: number): TelUri {
  const semi = text.indexOf(';', start);
  const numEnd = semi < 0 ? text.length : semi;
  if (numEnd === start) throw bad(text, 'empty telephone number');
  checkChars(text, text, start, numEnd, TEL_CHARS, 'telephone number');
  const uri = new TelUri(text.slice(start, numEnd));
  if (semi >= 0) {
    checkChars(text, text, semi + 1, text.length, PARAM_CHARS, 'parameters');
    for (const p of text.slice(semi + 1).split(';')) {
      if (p.length === 0) throw bad(text, 'empty parameter');
      const eq = p.indexOf('=');
      if (eq === 0) throw bad(text, 'parameter without a name');
      if (eq > 0) uri.params.set(p.slice(0, eq).toLowerCase(), p.slice(eq + 1));
      else uri.params.set(p.toLowerCase(), null);
    }
  }
  return uri;
}
