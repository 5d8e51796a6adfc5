/**
 * name-addr / addr-spec values of From, To, Contact, Route, Record-Route, Refer-To,
 * Referred-By, Reply-To... RFC 3261 20.10: without angle brackets the URI ends at the
 * first ';', so everything after it is a header parameter, never a URI parameter.
 */
import { SipHeaderError, SipParseError } from './errors.js';
import type { AnyUri } from './uri.js';
import { checkAnyUriIn, parseAnyUri, parseAnyUriIn } from './uri.js';
import { TOKEN, findParam, paramsFromText, paramsToString, quote, scanParams, scanQuoted, scanToken, scannedTag, skipWs, unquote } from './lex.js';

const EMPTY = '';
import type { ParamMap } from './lex.js';

export class NameAddr {
  /** Display name with quotes and quoted-pairs resolved; undefined when absent. */
  displayName?: string;
  /** Parsed on first read of `uri`: a proxy matching tags never pays for the URI. */
  private uriValue: AnyUri | undefined;
  private uriText: string | undefined;
  /**
   * A parsed value points into the text it came from (src[uriStart, uriEnd) and
   * src[paramsStart, paramsEnd)) and slices only what is read: no copy per field.
   */
  private src: string | undefined = undefined;
  private uriStart = 0;
  /** -1: no URI range (the URI was given or set as a value). */
  private uriEnd = -1;
  private paramsStart = 0;
  private paramsEnd = 0;
  /** The tag param found while the params were checked (in place only; see `tag`). */
  private tagSeen: string | null | undefined = undefined;
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

  /** @internal A value scanned in place: URI and params stay ranges of src until read. */
  static inPlace(
    src: string,
    uriStart: number,
    uriEnd: number,
    paramsStart: number,
    paramsEnd: number,
    displayName: string | undefined,
    bracketed: boolean,
    header: string,
    tag: string | null | undefined,
  ): NameAddr {
    const na = new NameAddr(EMPTY, displayName, EMPTY, bracketed, header);
    na.uriText = undefined;
    na.paramsText = undefined;
    na.src = src;
    na.uriStart = uriStart;
    na.uriEnd = uriEnd;
    na.paramsStart = paramsStart;
    na.paramsEnd = paramsEnd;
    na.tagSeen = tag;
    return na;
  }

  /** The URI; a malformed one throws SipHeaderError (400) here, on first read. */
  get uri(): AnyUri {
    if (this.uriValue === undefined) {
      try {
        this.uriValue =
          this.uriText === undefined ? parseAnyUriIn(this.src!, this.uriStart, this.uriEnd) : parseAnyUri(this.uriText);
      } catch (e) {
        if (e instanceof SipParseError) throw new SipHeaderError(`${this.header}: ${e.message}`, this.header);
        throw e;
      }
    }
    return this.uriValue;
  }

  /**
   * @internal Throws what reading `uri` would throw, without building the URI when it is
   * still a range of the received text (validation of a From nobody reads the URI of).
   */
  checkUri(): void {
    if (this.uriValue !== undefined) return;
    if (this.uriText !== undefined) {
      void this.uri;
      return;
    }
    try {
      checkAnyUriIn(this.src!, this.uriStart, this.uriEnd);
    } catch (e) {
      if (e instanceof SipParseError) throw new SipHeaderError(`${this.header}: ${e.message}`, this.header);
      throw e;
    }
  }

  set uri(value: AnyUri) {
    this.uriValue = value;
    this.uriText = undefined;
    this.uriEnd = -1;
  }

  /** The URI text as received (or as the set URI serializes). */
  get uriString(): string {
    if (this.uriText !== undefined) return this.uriText;
    if (this.uriEnd >= 0) return (this.uriText = this.src!.slice(this.uriStart, this.uriEnd));
    return this.uriValue!.toString();
  }

  /** Params text as received, sliced out of the message text on first need. */
  private get rawParams(): string {
    return (this.paramsText ??= this.src!.slice(this.paramsStart, this.paramsEnd));
  }

  /** Header params: lower-cased names, raw values (quoted values keep their quotes). */
  get params(): ParamMap {
    if (this.paramsMap === undefined) {
      this.paramsMap = paramsFromText(this.rawParams);
      this.paramsText = undefined;
    }
    return this.paramsMap;
  }

  set params(value: ParamMap) {
    this.paramsMap = value;
    this.paramsText = undefined;
  }

  get tag(): string | undefined {
    let t: string | null | undefined;
    if (this.paramsMap !== undefined) t = this.paramsMap.get('tag');
    else if (this.paramsText !== undefined) t = findParam(this.paramsText, 'tag');
    else t = this.tagSeen;
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
    return out + (this.paramsMap === undefined ? this.rawParams : paramsToString(this.paramsMap));
  }

  clone(): NameAddr {
    const uri = this.uriValue !== undefined ? this.uriValue.clone() : this.uriString;
    return new NameAddr(uri, this.displayName, new Map(this.params), this.bracketed, this.header);
  }
}

function err(header: string, s: string, why: string): SipHeaderError {
  return new SipHeaderError(`${header}: ${why} in "${s}"`, header);
}

/** Display names are nearly always one token or words split by single spaces. */
function displayNameOf(s: string, i: number, j: number): string {
  while (j > i && (s.charCodeAt(j - 1) === 32 || s.charCodeAt(j - 1) === 9)) j--;
  for (let k = i; k < j; k++) {
    const c = s.charCodeAt(k);
    if (c === 9 || (c === 32 && s.charCodeAt(k + 1) === 32)) return s.slice(i, j).replace(/[ \t]+/g, ' ');
  }
  return s.slice(i, j);
}

/** Where the last scanNameAddrIn stopped (module state: no tuple per value). */
let scanEnd = 0;

/**
 * Parses one name-addr or addr-spec (with header params) at s[i] within the value
 * s[base, end). Returns the value; scanEnd is what follows it (end or a top-level ',').
 * Grammar errors are thrown with the value text alone in their message.
 */
function scanNameAddrIn(s: string, i: number, header: string, end: number, base: number): NameAddr {
  i = skipWs(s, i, end);
  let displayName: string | undefined;
  let c = s.charCodeAt(i);
  if (i >= end) c = -1;
  if (c === 34) {
    const close = scanQuoted(s, i, end);
    if (close < 0) throw err(header, s.slice(base, end), 'unterminated quoted display name');
    // Without quoted-pairs the content is the display name as is: one slice.
    const inner = s.slice(i + 1, close - 1);
    displayName = inner.indexOf('\\') < 0 ? inner : unquote(s.slice(i, close));
    i = skipWs(s, close, end);
    if (i >= end || s.charCodeAt(i) !== 60) throw err(header, s.slice(base, end), "quoted display name not followed by '<'");
  } else if (c !== 60) {
    // *(token LWS) followed by '<' is a display name; anything else starts an addr-spec.
    let j = i;
    while (j < end) {
      c = s.charCodeAt(j);
      if (!(c === 32 || c === 9 || (c < 256 && TOKEN[c] === 1))) break;
      j++;
    }
    if (j < end && s.charCodeAt(j) === 60 && j > i) {
      displayName = displayNameOf(s, i, j);
      i = j;
    }
  }
  let us: number;
  let ue: number;
  let bracketed: boolean;
  if (i < end && s.charCodeAt(i) === 60) {
    const close = s.indexOf('>', i + 1);
    if (close < 0 || close >= end) throw err(header, s.slice(base, end), "missing '>'");
    // RFC 4475 badaspec: tolerate LWS just inside the brackets.
    ue = close;
    while (ue > i + 1 && (s.charCodeAt(ue - 1) === 32 || s.charCodeAt(ue - 1) === 9)) ue--;
    us = skipWs(s, i + 1, end);
    if (us > ue) us = ue;
    i = close + 1;
    bracketed = true;
  } else {
    us = i;
    while (i < end) {
      c = s.charCodeAt(i);
      if (c === 59 || c === 44 || c === 32 || c === 9) break;
      i++;
    }
    ue = i;
    const q = s.indexOf('?', us);
    if (q >= 0 && q < ue) throw err(header, s.slice(base, end), "URI with headers ('?') must be enclosed in <>");
    bracketed = false;
  }
  if (ue <= us) throw err(header, s.slice(base, end), 'empty URI');
  // Cheap shape check now (a scheme and a colon); the full URI grammar on first read.
  let colon = us;
  while (colon < ue) {
    c = s.charCodeAt(colon);
    if (c >= 256 || TOKEN[c] !== 1) break;
    colon++;
  }
  if (colon === us || colon >= ue || s.charCodeAt(colon) !== 58) {
    // The same test as before: the first ':' must end a leading token.
    const uriText = s.slice(us, ue);
    const k = uriText.indexOf(':');
    if (k <= 0 || scanToken(uriText, 0) < k) throw err(header, s.slice(base, end), `"${uriText}" is not a URI`);
  }
  const ps = i;
  let tag: string | null | undefined;
  if (i < end) {
    i = scanParams(s, i, header, undefined, end, base);
    tag = scannedTag(s);
  }
  scanEnd = i;
  return NameAddr.inPlace(s, us, ue, ps, i, displayName, bracketed, header, tag);
}

/**
 * Parses one name-addr or addr-spec (with header params) at s[i]. Returns the value and
 * the index of what follows it: the end of s or a top-level ','.
 */
export function scanNameAddr(s: string, i: number, header: string): [NameAddr, number] {
  const value = scanNameAddrIn(s, i, header, s.length, 0);
  return [value, scanEnd];
}

/** Parses a comma-separated list of name-addr / addr-spec values from one header line (or s[from, end)). */
export function parseNameAddrs(s: string, header = 'name-addr', out: NameAddr[] = [], from = 0, end = s.length): NameAddr[] {
  let i = from;
  for (;;) {
    out.push(scanNameAddrIn(s, i, header, end, from));
    i = skipWs(s, scanEnd, end);
    if (i >= end) return out;
    // scanParams only stops at ',' or the end.
    i++;
    if (skipWs(s, i, end) >= end) throw err(header, s.slice(from, end), 'empty list element');
  }
}

/** Parses a single name-addr value (From, To...), or s[from, end); a list is an error. */
export function parseNameAddr(s: string, header = 'name-addr', from = 0, end = s.length): NameAddr {
  const value = scanNameAddrIn(s, from, header, end, from);
  if (skipWs(s, scanEnd, end) < end) throw err(header, s.slice(from, end), 'more than one value');
  return value;
}
