/**
 * Start lines: the Request-Line (method, Request-URI parsed now so that an unknown
 * scheme is answered 416 and a malformed URI 400, SIP-Version 2.0 or 505) and the
 * Status-Line. The in-place forms read the line inside the message text; anything
 * unusual goes through the string forms, which also word every error.
 */
import { SipParseError } from './errors.js';
import type { SipHeaders } from './headers.js';
import type { RequestUri } from './message.js';
import { SipRequest, SipResponse } from './message.js';
import { TOKEN, methodName, parseDigits } from './lex.js';
import { parseUriIn } from './uri.js';

const VERSION_SHAPE = /^SIP\/[0-9]+\.[0-9]+$/i;

function fail(message: string, status = 400, reason = 'Bad Request'): SipParseError {
  return new SipParseError(message, { status, reason });
}

/** "SIP/2.0" (case-insensitive) at s[i]. */
function isSip20(s: string, i: number): boolean {
  return (
    (s.charCodeAt(i) | 0x20) === 115 &&
    (s.charCodeAt(i + 1) | 0x20) === 105 &&
    (s.charCodeAt(i + 2) | 0x20) === 112 &&
    s.charCodeAt(i + 3) === 47 &&
    s.charCodeAt(i + 4) === 50 &&
    s.charCodeAt(i + 5) === 46 &&
    s.charCodeAt(i + 6) === 48
  );
}

/**
 * The Request-Line s[ls, le) in place: the method a shared constant, the Request-URI
 * parsed without slicing it twice. Anything unusual goes through parseRequestLine on
 * the sliced line, which also words every error.
 */
export function requestLineIn(s: string, ls: number, le: number, headers: SipHeaders): SipRequest {
  const sp1 = s.indexOf(' ', ls);
  const sp2 = sp1 < 0 ? -1 : s.indexOf(' ', sp1 + 1);
  let ok = sp1 > ls && sp2 > sp1 + 1 && le - sp2 - 1 === 7 && isSip20(s, sp2 + 1);
  for (let i = ls; ok && i < sp1; i++) {
    const c = s.charCodeAt(i);
    ok = c < 256 && TOKEN[c] === 1;
  }
  if (ok) {
    let uri: RequestUri | undefined;
    try {
      uri = parseUriIn(s, sp1 + 1, sp2);
    } catch {
      uri = undefined;
    }
    if (uri !== undefined && (uri.scheme === 'tel' || !uri.hasHeaders)) {
      const req = new SipRequest(methodName(s, ls, sp1), s.slice(sp1 + 1, sp2), headers);
      req.adoptParsedUri(uri);
      return req;
    }
  }
  return parseRequestLine(s.slice(ls, le), headers);
}

/** The Status-Line s[ls, le) in place; anything unusual goes through parseStatusLine. */
export function statusLineIn(s: string, ls: number, le: number, headers: SipHeaders): SipResponse {
  if (le - ls >= 11 && s.charCodeAt(ls + 7) === 32 && isSip20(s, ls)) {
    const d0 = s.charCodeAt(ls + 8) - 48;
    const d1 = s.charCodeAt(ls + 9) - 48;
    const d2 = s.charCodeAt(ls + 10) - 48;
    const sp2 = ls + 11;
    if (d0 >= 1 && d0 <= 6 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9 && (sp2 === le || s.charCodeAt(sp2) === 32)) {
      return new SipResponse(d0 * 100 + d1 * 10 + d2, sp2 === le ? '' : s.slice(sp2 + 1, le), headers);
    }
  }
  return parseStatusLine(s.slice(ls, le), headers);
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

