/** Via header values (RFC 3261 20.42, 18.2.1; rport RFC 3581). */
import { SipHeaderError } from './errors.js';
import { HOST, TOKEN, findParam, paramsFromText, paramsToString, scanParamValue, scanToken, skipWs } from './lex.js';
import { packName } from './raw-headers.js';
import type { ParamMap } from './lex.js';

export const BRANCH_COOKIE = 'z9hG4bK';

/** Host name and IPv4 characters (HOST without the IPv6 brackets and ':'). */
const SENT_BY_HOST = HOST.map((v, c) => (c === 58 || c === 91 || c === 93 ? 0 : v));

export class Via {
  readonly protocol = 'SIP/2.0';
  /** Upper-cased: UDP, TCP, TLS, SCTP, WS, WSS or an extension token. */
  transport: string;
  host: string;
  port?: number;
  /** Received params text, turned into a map only when `params` is read or written. */
  private paramsText: string | undefined;
  /** A parsed Via's params stay a range of the message text until their text is needed. */
  private src: string | undefined = undefined;
  private paramsStart = 0;
  private paramsEnd = 0;
  private paramsMap: ParamMap | undefined;
  /** @internal Parser hint: the branch found while the params were checked. */
  branchSeen: string | undefined = undefined;
  /**
   * What the scan of the received params found (valid while they are not a map): the
   * first rport as findParam would read it, and whether received / maddr occur at all.
   */
  private scanned = false;
  private rportSeen: number | null | undefined = undefined;
  private receivedSeen = false;
  private maddrSeen = false;

  constructor(transport: string, host: string, port?: number, params: ParamMap | string = new Map()) {
    this.transport = isUpper(transport) ? transport : transport.toUpperCase();
    this.host = host;
    this.port = port;
    if (typeof params === 'string') {
      this.paramsText = params;
      this.paramsMap = undefined;
    } else {
      this.paramsMap = params;
      this.paramsText = undefined;
    }
  }

  /**
   * @internal A Via scanned in place: its params are src[paramsStart, paramsEnd), and
   * scanViaParams has just checked them (its seen* findings are taken over).
   */
  static inPlace(transport: string, host: string, port: number | undefined, src: string, paramsStart: number, paramsEnd: number): Via {
    const via = new Via(transport, host, port, '');
    via.paramsText = undefined;
    via.src = src;
    via.paramsStart = paramsStart;
    via.paramsEnd = paramsEnd;
    via.scanned = true;
    via.branchSeen = seenBranch;
    via.rportSeen = seenRport;
    via.receivedSeen = seenReceived;
    via.maddrSeen = seenMaddr;
    return via;
  }

  /** The params text as received, sliced out of the message text on first need. */
  private get rawParams(): string {
    return (this.paramsText ??= this.src!.slice(this.paramsStart, this.paramsEnd));
  }

  /** Lower-cased names -> raw values (null for a flag such as a bare `rport`). */
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

  /** A param's raw value (null: flag, undefined: absent) without building the map. */
  param(name: string): string | null | undefined {
    const key = name.toLowerCase();
    if (this.paramsMap !== undefined) return this.paramsMap.get(key);
    return this.paramsText === undefined ? findParam(this.src!, key, this.paramsStart, this.paramsEnd) : findParam(this.paramsText, key);
  }

  get branch(): string | undefined {
    if (this.paramsMap === undefined && (this.scanned || this.branchSeen !== undefined)) return this.branchSeen;
    return this.str('branch');
  }

  set branch(value: string | undefined) {
    this.setStr('branch', value);
  }

  /**
   * True when the branch carries the RFC 3261 magic cookie and something after it
   * (17.2.3 matching applies); a bare cookie (RFC 4475 badbranch) falls back to 2543 rules.
   */
  get isRfc3261Branch(): boolean {
    const b = this.branch;
    return b !== undefined && b.length > BRANCH_COOKIE.length && b.startsWith(BRANCH_COOKIE);
  }

  get received(): string | undefined {
    if (this.paramsMap === undefined && this.scanned && !this.receivedSeen) return undefined;
    return this.str('received');
  }

  set received(value: string | undefined) {
    this.setStr('received', value);
  }

  /** undefined: absent; null: present without value (a request for rport); number: filled. */
  get rport(): number | null | undefined {
    if (this.paramsMap === undefined && this.scanned) return this.rportSeen;
    const v = this.param('rport');
    return v === undefined ? undefined : v === null ? null : Number(v);
  }

  set rport(value: number | null | undefined) {
    if (value === undefined) this.params.delete('rport');
    else this.params.set('rport', value === null ? null : String(value));
  }

  get maddr(): string | undefined {
    if (this.paramsMap === undefined && this.scanned && !this.maddrSeen) return undefined;
    return this.str('maddr');
  }

  set maddr(value: string | undefined) {
    this.setStr('maddr', value);
  }

  get ttl(): number | undefined {
    const v = this.str('ttl');
    return v === undefined ? undefined : Number(v);
  }

  set ttl(value: number | undefined) {
    this.setStr('ttl', value === undefined ? undefined : String(value));
  }

  /** `host:port` as written in sent-by (the port omitted when absent). */
  get sentBy(): string {
    return this.port === undefined ? this.host : `${this.host}:${this.port}`;
  }

  toString(): string {
    const params = this.paramsMap === undefined ? this.rawParams : paramsToString(this.paramsMap);
    return `${this.protocol}/${this.transport} ${this.sentBy}${params}`;
  }

  clone(): Via {
    return new Via(this.transport, this.host, this.port, this.paramsMap === undefined ? this.rawParams : new Map(this.paramsMap));
  }

  private str(name: string): string | undefined {
    const v = this.param(name);
    return v == null ? undefined : v;
  }

  private setStr(name: string, value: string | undefined): void {
    if (value === undefined) this.params.delete(name);
    else this.params.set(name, value);
  }
}

/** Transports arrive upper-cased almost always: skip the copy toUpperCase would make. */
function isUpper(t: string): boolean {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 97 && c <= 122) return false;
  }
  return true;
}

function bad(s: string, base: number, end: number, why: string): SipHeaderError {
  return new SipHeaderError(`Via: ${why} in "${s.slice(base, end)}"`, 'Via');
}

function expectSlash(s: string, i: number, end: number, base: number): number {
  i = skipWs(s, i, end);
  if (s.charCodeAt(i) !== 47 || i >= end) throw bad(s, base, end, "expected '/' in sent-protocol");
  return skipWs(s, i + 1, end);
}

// What the last scanViaParams met (module state: no object per call): the first branch
// and rport (the ones findParam would return), whether received and maddr occur.
let seenBranch: string | undefined;
let seenRport: number | null | undefined;
let seenReceived = false;
let seenMaddr = false;
/** Where the last scanVia stopped: the following ',' or the end. */
let viaEnd = 0;

/**
 * Parses one via-parm at s[i] of the value s[base, end) (a header value in place inside
 * the message text, or a whole string); viaEnd is then the index of the following ','
 * or the end.
 */
export function scanVia(s: string, i: number, end = s.length, base = 0): Via {
  i = skipWs(s, i, end);
  let e = scanToken(s, i, end);
  const nameOk =
    e - i === 3 && (s.charCodeAt(i) | 0x20) === 115 && (s.charCodeAt(i + 1) | 0x20) === 105 && (s.charCodeAt(i + 2) | 0x20) === 112;
  const ns = i;
  const ne = e;
  // "SIP/2.0/" without LWS is the spelling nearly everyone sends: checked in one go.
  if (nameOk && s.charCodeAt(e) === 47 && s.charCodeAt(e + 1) === 50 && s.charCodeAt(e + 2) === 46 && s.charCodeAt(e + 3) === 48 && s.charCodeAt(e + 4) === 47 && e + 5 <= end) {
    i = e + 5;
  } else {
    i = expectSlash(s, e, end, base);
    e = scanToken(s, i, end);
    if (!nameOk || e - i !== 3 || !s.startsWith('2.0', i)) {
      throw bad(s, base, end, `unsupported protocol ${s.slice(ns, ne)}/${s.slice(i, e)}`);
    }
    i = expectSlash(s, e, end, base);
  }
  e = scanToken(s, i, end);
  if (e === i) throw bad(s, base, end, 'missing transport');
  const transport = transportName(s, i, e);
  i = skipWs(s, e, end);
  if (i === e) throw bad(s, base, end, 'missing space before sent-by');
  const hostStart = i;
  if (s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    if (close < 0 || close >= end) throw bad(s, base, end, 'unterminated IPv6 reference');
    i = close + 1;
  } else {
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c >= 128 || SENT_BY_HOST[c] !== 1) break;
      i++;
    }
  }
  if (i === hostStart) throw bad(s, base, end, 'missing sent-by host');
  const host = s.slice(hostStart, i);
  let port: number | undefined;
  if (i < end && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i = skipWs(s, i, end);
  if (i < end && s.charCodeAt(i) === 58) {
    i = skipWs(s, i + 1, end);
    const ps = i;
    let n = 0;
    while (i < end) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      if (n <= 65535) n = n * 10 + d;
      i++;
    }
    if (i === ps || n > 65535) throw bad(s, base, end, 'bad port');
    port = n;
  }
  const ps = i;
  seenBranch = undefined;
  seenRport = undefined;
  seenReceived = false;
  seenMaddr = false;
  i = scanViaParams(s, i, end, base);
  viaEnd = i;
  return Via.inPlace(transport, host, port, s, ps, i);
}

/** The transport token; the usual ones are shared constants instead of new strings. */
function transportName(s: string, i: number, e: number): string {
  if (e - i === 3) {
    const a = s.charCodeAt(i);
    const b = s.charCodeAt(i + 1);
    const c = s.charCodeAt(i + 2);
    if (a === 85 && b === 68 && c === 80) return 'UDP';
    if (a === 84 && b === 67 && c === 80) return 'TCP';
    if (a === 84 && b === 76 && c === 83) return 'TLS';
  }
  return s.slice(i, e);
}

/**
 * scanParams for Via, checking ttl, rport and branch values in the same pass and
 * recording in the seen* variables what the transaction and transport layers read.
 */
function scanViaParams(s: string, i: number, end: number, base: number): number {
  for (;;) {
    if (i < end && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i = skipWs(s, i, end);
    if (i >= end || s.charCodeAt(i) === 44) return i;
    if (s.charCodeAt(i) !== 59) throw bad(s, base, end, `unexpected '${s[i]}'`);
    i++;
    if (i < end && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i = skipWs(s, i, end);
    const ns = i;
    // The name, case-folded and packed as it is checked (branch/ttl/rport recognised from it).
    let packed = 0;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c >= 256 || TOKEN[c] !== 1) break;
      packed = packed * 128 + (c | 0x20);
      i++;
    }
    const ne = i;
    if (ne === ns) throw bad(s, base, end, 'empty parameter name');
    if (i < end && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i = skipWs(s, i, end);
    let vs = -1;
    let ve = -1;
    if (i < end && s.charCodeAt(i) === 61) {
      i++;
      if (i < end && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i = skipWs(s, i, end);
      vs = i;
      ve = i = scanParamValue(s, i, end);
      if (i < 0) throw bad(s, base, end, 'unterminated quoted parameter value');
      if (i === vs) throw bad(s, base, end, 'parameter without a value');
    }
    const len = ne - ns;
    if (len === 6 && packed === P_BRANCH) {
      if (vs < 0) throw bad(s, base, end, 'branch without value');
      if (seenBranch === undefined) seenBranch = s.slice(vs, ve);
    } else if (len === 3 && packed === P_TTL) {
      if (vs < 0 || digitsUpTo(s, vs, ve, 255) < 0) throw bad(s, base, end, 'bad ttl');
    } else if (len === 5 && packed === P_RPORT) {
      const port = vs < 0 ? null : digitsUpTo(s, vs, ve, 65535);
      if (port !== null && port < 0) throw bad(s, base, end, 'bad rport');
      if (seenRport === undefined) seenRport = port;
    } else if (len === 8 && packed === P_RECEIVED) {
      seenReceived = true;
    } else if (len === 5 && packed === P_MADDR) {
      seenMaddr = true;
    }
  }
}

const P_BRANCH = packName('branch', 0, 6);
const P_TTL = packName('ttl', 0, 3);
const P_RPORT = packName('rport', 0, 5);
const P_RECEIVED = packName('received', 0, 8);
const P_MADDR = packName('maddr', 0, 5);

/** parseDigits over s[from, to) without slicing it out. */
function digitsUpTo(s: string, from: number, to: number, max: number): number {
  if (to <= from) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
    if (n > max) return -1;
  }
  return n;
}

/** Parses every via-parm of one header line (a comma-separated list). */
export function parseVias(s: string, out: Via[] = [], from = 0, end = s.length): Via[] {
  let i = from;
  for (;;) {
    out.push(scanVia(s, i, end, from));
    i = skipWs(s, viaEnd, end);
    if (i >= end) return out;
    i++;
    if (skipWs(s, i, end) >= end) throw bad(s, from, end, 'empty list element');
  }
}
