/**
 * name-addr / addr-spec values of From, To, Contact, Route, Record-Route, Refer-To,
 * Referred-By, Reply-To... RFC 3261 20.10: without angle brackets the URI ends at the
 * first ';', so everything after it is a header parameter, never a URI parameter.
 */
import { SipHeaderError, SipParseError } from './errors.js';
import type { AnyUri } from './uri.js';
import { parseAnyUri } from './uri.js';
import { findParam, isTokenChar, paramsFromText, paramsToString, quote, scanParams, scanQuoted, scanToken, skipWs, unquote } from './lex.js';
import type { ParamMap } from './lex.js';

export class NameAddr {
  /** Display name with quotes and quoted-pairs resolved; undefined when absent. */
  displayName?: string;
  /** Parsed on first read of `uri`: a proxy matching tags never pays for the URI. */
  private uriValue: AnyUri | undefined;
  private uriText: string | undefined;
  private readonly header: string;
  /** Received params text (`;tag=x;q=1`), turned into a map only when `params` is read. */
  private paramsText: string | undefined;
  private paramsMap: ParamMap | undefined;
  /** Whether the value was written with `<...>` (always written so by toString when needed). */
  bracketed: boolean;

  constructor(
    uri: AnyUri | string,
    displayName?: string,
    params: ParamMap | string = new Map(),
    bracketed = true,
    header = 'name-addr',
  ) {
    if (typeof params === 'string') {
      this.paramsText = params;
      this.paramsMap = undefined;
    } else {
      this.paramsMap = params;
      this.paramsText = undefined;
    }
    if (typeof uri === 'string') {
      this.uriText = uri;
      this.uriValue = undefined;
    } else {
      this.uriValue = uri;
      this.uriText = undefined;
    }
    this.header = header;
    this.displayName = displayName;
    this.bracketed = bracketed;
  }

  /** The URI; a malformed one throws SipHeaderError (400) here, on first read. */
  get uri(): AnyUri {
    if (this.uriValue === undefined) {
      try {
        this.uriValue = parseAnyUri(this.uriText!);
      } catch (e) {
        if (e instanceof SipParseError) throw new SipHeaderError(`${this.header}: ${e.message}`, this.header);
        throw e;
      }
    }
    return this.uriValue;
  }

  set uri(value: AnyUri) {
    this.uriValue = value;
    this.uriText = undefined;
  }

  /** The URI text as received (or as the set URI serializes). */
  get uriString(): string {
    return this.uriText ?? this.uriValue!.toString();
  }

  /** Header params: lower-cased names, raw values (quoted values keep their quotes). */
  get params(): ParamMap {
    if (this.paramsMap === undefined) {
      this.paramsMap = paramsFromText(this.paramsText!);
      this.paramsText = undefined;
    }
    return this.paramsMap;
  }

  set params(value: ParamMap) {
    this.paramsMap = value;
    this.paramsText = undefined;
  }

  get tag(): string | undefined {
    const t = this.paramsMap === undefined ? findParam(this.paramsText!, 'tag') : this.paramsMap.get('tag');
    return t == null ? undefined : t;
  }

  set tag(value: string | undefined) {
    if (value === undefined) this.params.delete('tag');
    else this.params.set('tag', value);
  }

  /** A header param with surrounding quotes removed (`+sip.instance`, `expires`, `q`...). */
  param(name: string): string | null | undefined {
    const v = this.params.get(name.toLowerCase());
    return v == null ? v : unquote(v);
  }

  toString(): string {
    const uri = this.uriString;
    const needsBrackets =
      this.bracketed || this.displayName !== undefined || /[;,?]/.test(uri);
    let out = '';
    if (this.displayName !== undefined) out += quote(this.displayName) + ' ';
    out += needsBrackets ? `<${uri}>` : uri;
    return out + (this.paramsMap === undefined ? this.paramsText! : paramsToString(this.paramsMap));
  }

  clone(): NameAddr {
    const uri = this.uriValue !== undefined ? this.uriValue.clone() : this.uriText!;
    return new NameAddr(uri, this.displayName, new Map(this.params), this.bracketed, this.header);
  }
}

function err(header: string, s: string, why: string): SipHeaderError {
  return new SipHeaderError(`${header}: ${why} in "${s}"`, header);
}

/**
 * Parses one name-addr or addr-spec (with header params) at s[i]. Returns the value and
 * the index of what follows it: the end of s or a top-level ','.
 */
export function scanNameAddr(s: string, i: number, header: string): [NameAddr, number] {
  i = skipWs(s, i);
  let displayName: string | undefined;
  let c = s.charCodeAt(i);
  if (c === 34) {
    const close = scanQuoted(s, i);
    if (close < 0) throw err(header, s, 'unterminated quoted display name');
    displayName = unquote(s.slice(i, close));
    i = skipWs(s, close);
    if (s.charCodeAt(i) !== 60) throw err(header, s, "quoted display name not followed by '<'");
  } else if (c !== 60) {
    // *(token LWS) followed by '<' is a display name; anything else starts an addr-spec.
    let j = i;
    while (j < s.length) {
      c = s.charCodeAt(j);
      if (!(c === 32 || c === 9 || isTokenChar(c))) break;
      j++;
    }
    if (j < s.length && s.charCodeAt(j) === 60 && j > i) {
      displayName = s.slice(i, j).trim().replace(/[ \t]+/g, ' ');
      i = j;
    }
  }
  let uriText: string;
  let bracketed: boolean;
  if (s.charCodeAt(i) === 60) {
    const close = s.indexOf('>', i + 1);
    if (close < 0) throw err(header, s, "missing '>'");
    // RFC 4475 badaspec: tolerate LWS just inside the brackets.
    let ue = close;
    while (ue > i + 1 && (s.charCodeAt(ue - 1) === 32 || s.charCodeAt(ue - 1) === 9)) ue--;
    uriText = s.slice(skipWs(s, i + 1), ue);
    i = close + 1;
    bracketed = true;
  } else {
    const start = i;
    while (i < s.length) {
      c = s.charCodeAt(i);
      if (c === 59 || c === 44 || c === 32 || c === 9) break;
      i++;
    }
    uriText = s.slice(start, i);
    if (uriText.indexOf('?') >= 0) throw err(header, s, "URI with headers ('?') must be enclosed in <>");
    bracketed = false;
  }
  if (uriText.length === 0) throw err(header, s, 'empty URI');
  // Cheap shape check now (a scheme and a colon); the full URI grammar on first read.
  const colon = uriText.indexOf(':');
  if (colon <= 0 || scanToken(uriText, 0) < colon) throw err(header, s, `"${uriText}" is not a URI`);
  const ps = i;
  i = scanParams(s, i, header);
  return [new NameAddr(uriText, displayName, s.slice(ps, i), bracketed, header), i];
}

/** Parses a comma-separated list of name-addr / addr-spec values from one header line. */
export function parseNameAddrs(s: string, header = 'name-addr', out: NameAddr[] = []): NameAddr[] {
  let i = 0;
  for (;;) {
    const [value, end] = scanNameAddr(s, i, header);
    out.push(value);
    i = skipWs(s, end);
    if (i >= s.length) return out;
    // scanParams only stops at ',' or the end.
    i++;
    if (skipWs(s, i) >= s.length) throw err(header, s, 'empty list element');
  }
}

/** Parses a single name-addr value (From, To...); a list is an error. */
export function parseNameAddr(s: string, header = 'name-addr'): NameAddr {
  const [value, end] = scanNameAddr(s, 0, header);
  if (skipWs(s, end) < s.length) throw err(header, s, 'more than one value');
  return value;
}
