/**
 * SIP requests and responses. The header lines stay raw in SipHeaders; the typed
 * accessors parse on demand (a proxy touching Via and Route never pays for Contact).
 * Parsed values are cached until the header is written through this message's API.
 */
import { SipHeaders } from './headers.js';
import { SipHeaderError } from './errors.js';
import type { SipUri, TelUri } from './uri.js';
import { parseUri } from './uri.js';
import type { NameAddr } from './name-addr.js';
import { parseNameAddr, parseNameAddrs } from './name-addr.js';
import type { Via } from './via.js';
import { parseVias, scanVia } from './via.js';
import { H_CALL_ID, H_CONTACT, H_CSEQ, H_FROM, H_TO, H_VIA } from './raw-headers.js';
import type {
  AuthHeader,
  CSeq,
  EventHeader,
  RAck,
  ReasonValue,
  Replaces,
  RetryAfter,
  SessionExpires,
  SubscriptionState,
} from './header-values.js';
import {
  parseAuthList,
  parseEvent,
  parseMinSE,
  parseRAck,
  parseReason,
  parseReplaces,
  parseRetryAfter,
  parseSessionExpires,
  parseSubscriptionState,
  parseCSeq,
  parseCSeqIn,
  parseNameAddrHeader,
  parseNameAddrList,
  parseTokenList,
  parseUnsigned,
  parseViaList,
} from './header-values.js';

export const SIP_VERSION = 'SIP/2.0';

const EMPTY_BODY = Buffer.alloc(0);

export type RequestUri = SipUri | TelUri;

abstract class SipMessageBase {
  headers: SipHeaders;
  body: Buffer;
  /** Only 'SIP/2.0' is ever produced; the parser rejects anything else with 505. */
  version: string = SIP_VERSION;
  /** Created on first use: most messages on a proxy path read only a few headers. */
  private cache: Map<string, unknown> | undefined;
  // The headers every transaction reads get plain slots: no Map lookup on the hot path.
  private viasValue: Via[] | undefined = undefined;
  private topViaValue: Via | undefined = undefined;
  private fromValue: NameAddr | undefined = undefined;
  private toValue: NameAddr | undefined = undefined;
  private callIdValue: string | undefined = undefined;
  private cseqValue: CSeq | undefined = undefined;
  private contactsValue: NameAddr[] | undefined = undefined;

  constructor(headers: SipHeaders = new SipHeaders(), body: Buffer = EMPTY_BODY) {
    this.headers = headers;
    this.body = body;
  }

  /** Call after changing `headers` directly so typed accessors re-read them. */
  invalidate(): void {
    this.cache = undefined;
    this.viasValue = undefined;
    this.topViaValue = undefined;
    this.fromValue = undefined;
    this.toValue = undefined;
    this.callIdValue = undefined;
    this.cseqValue = undefined;
    this.contactsValue = undefined;
  }

  protected cached<T>(key: string, read: () => T): T {
    let cache = this.cache;
    if (cache === undefined) cache = this.cache = new Map();
    else if (cache.has(key)) return cache.get(key) as T;
    const value = read();
    cache.set(key, value);
    return value;
  }

  setHeader(name: string, value: string | number): this {
    this.headers.set(name, value);
    this.invalidate();
    return this;
  }

  appendHeader(name: string, value: string | number): this {
    this.headers.append(name, value);
    this.invalidate();
    return this;
  }

  removeHeader(name: string): this {
    this.headers.removeAll(name);
    this.invalidate();
    return this;
  }

  /** All Via values, top first (comma-joined lines split). */
  get vias(): Via[] {
    if (this.viasValue !== undefined) return this.viasValue;
    const raw = this.headers.rawIndex;
    if (raw === undefined) return (this.viasValue = parseViaList(this.headers.getAll('via')));
    const out: Via[] = [];
    const o = raw.offs;
    const n = raw.countOf[H_VIA]!;
    for (let i = raw.firstOf[H_VIA]!, seen = 0; seen < n; i++) {
      if (raw.ids[i] !== H_VIA) continue;
      parseVias(raw.text, out, o[i * 4 + 2]!, o[i * 4 + 3]!);
      seen++;
    }
    return (this.viasValue = out);
  }

  /** The top Via alone: parsed without the rest of the list (what a UAS/proxy reads first). */
  get topVia(): Via | undefined {
    if (this.viasValue !== undefined) return this.viasValue[0];
    if (this.topViaValue !== undefined) return this.topViaValue;
    const raw = this.headers.rawIndex;
    if (raw !== undefined) {
      const line = raw.firstOf[H_VIA]!;
      if (line < 0) return undefined;
      const vs = raw.offs[line * 4 + 2]!;
      return (this.topViaValue = scanVia(raw.text, vs, raw.offs[line * 4 + 3]!, vs));
    }
    const first = this.headers.get('via');
    return first === undefined ? undefined : (this.topViaValue = scanVia(first, 0));
  }

  get from(): NameAddr {
    return (this.fromValue ??= this.nameAddrOf(H_FROM, 'from', 'From'));
  }

  get to(): NameAddr {
    return (this.toValue ??= this.nameAddrOf(H_TO, 'to', 'To'));
  }

  /** From or To, parsed in place in the received text when it is still there. */
  private nameAddrOf(id: number, key: string, name: string): NameAddr {
    const raw = this.headers.rawIndex;
    if (raw === undefined || raw.countOf[id] !== 1) return parseNameAddrHeader(name, this.headers.getAll(key));
    const line = raw.firstOf[id]!;
    return parseNameAddr(raw.text, name, raw.offs[line * 4 + 2]!, raw.offs[line * 4 + 3]!);
  }

  get callId(): string {
    if (this.callIdValue !== undefined) return this.callIdValue;
    const raw = this.headers.rawIndex;
    if (raw !== undefined && raw.countOf[H_CALL_ID] === 1) {
      const line = raw.firstOf[H_CALL_ID]!;
      if (raw.offs[line * 4 + 2]! < raw.offs[line * 4 + 3]!) return (this.callIdValue = raw.value(line));
    }
    const values = this.headers.getAll('call-id');
    if (values.length !== 1 || values[0] === '') throw missingOrRepeated('Call-ID', values.length);
    return (this.callIdValue = values[0]!);
  }

  get cseq(): CSeq {
    if (this.cseqValue !== undefined) return this.cseqValue;
    const raw = this.headers.rawIndex;
    if (raw !== undefined && raw.countOf[H_CSEQ] === 1) {
      const line = raw.firstOf[H_CSEQ]!;
      return (this.cseqValue = parseCSeqIn(raw.text, raw.offs[line * 4 + 2]!, raw.offs[line * 4 + 3]!));
    }
    return (this.cseqValue = parseCSeq(this.headers.getAll('cseq')));
  }

  /** Contact values; a `*` Contact (REGISTER removal) is reported by `isStarContact`. */
  get contacts(): NameAddr[] {
    if (this.contactsValue !== undefined) return this.contactsValue;
    const raw = this.headers.rawIndex;
    if (raw !== undefined && raw.countOf[H_CONTACT] === 1) {
      const line = raw.firstOf[H_CONTACT]!;
      const vs = raw.offs[line * 4 + 2]!;
      const ve = raw.offs[line * 4 + 3]!;
      // '*' alone (values are LWS-trimmed; trim() below for other Unicode spaces around it).
      const c0 = raw.text.charCodeAt(vs);
      if (ve - vs === 1 ? c0 === 42 : c0 !== 60 && c0 !== 34 && raw.value(line).trim() === '*') return (this.contactsValue = []);
      return (this.contactsValue = parseNameAddrs(raw.text, 'Contact', [], vs, ve));
    }
    const lines = this.headers.getAll('contact');
    const star = lines.length === 1 && lines[0]!.trim() === '*';
    return (this.contactsValue = star ? [] : parseNameAddrList(lines, 'Contact'));
  }

  get isStarContact(): boolean {
    const values = this.headers.getAll('contact');
    return values.length === 1 && values[0]!.trim() === '*';
  }

  get recordRoutes(): NameAddr[] {
    return this.cached('record-route', () => parseNameAddrList(this.headers.getAll('record-route'), 'Record-Route'));
  }

  get routes(): NameAddr[] {
    return this.cached('route', () => parseNameAddrList(this.headers.getAll('route'), 'Route'));
  }

  get maxForwards(): number | undefined {
    return this.cached('max-forwards', () => parseUnsigned('Max-Forwards', this.headers.getAll('max-forwards'), 255));
  }

  get expires(): number | undefined {
    return this.cached('expires', () => parseUnsigned('Expires', this.headers.getAll('expires'), 0xffffffff));
  }

  get contentLength(): number | undefined {
    return this.cached('content-length', () =>
      parseUnsigned('Content-Length', this.headers.getAll('content-length'), 0xffffffff),
    );
  }

  /** Media type without parameters, lower-cased (`application/sdp`), or undefined. */
  get contentType(): string | undefined {
    const v = this.headers.get('content-type');
    return v === undefined ? undefined : v.split(';')[0]!.trim().toLowerCase();
  }

  get require(): string[] {
    return this.cached('require', () => parseTokenList(this.headers.getAll('require'), 'Require'));
  }

  get supported(): string[] {
    return this.cached('supported', () => parseTokenList(this.headers.getAll('supported'), 'Supported'));
  }

  get allow(): string[] {
    return this.cached('allow', () => parseTokenList(this.headers.getAll('allow'), 'Allow'));
  }

  get unsupported(): string[] {
    return this.cached('unsupported', () => parseTokenList(this.headers.getAll('unsupported'), 'Unsupported'));
  }

  get proxyRequire(): string[] {
    return this.cached('proxy-require', () => parseTokenList(this.headers.getAll('proxy-require'), 'Proxy-Require'));
  }

  get authorization(): AuthHeader[] {
    return this.cached('authorization', () => parseAuthList(this.headers.getAll('authorization'), 'Authorization'));
  }

  get proxyAuthorization(): AuthHeader[] {
    return this.cached('proxy-authorization', () =>
      parseAuthList(this.headers.getAll('proxy-authorization'), 'Proxy-Authorization'),
    );
  }

  get wwwAuthenticate(): AuthHeader[] {
    return this.cached('www-authenticate', () =>
      parseAuthList(this.headers.getAll('www-authenticate'), 'WWW-Authenticate'),
    );
  }

  get proxyAuthenticate(): AuthHeader[] {
    return this.cached('proxy-authenticate', () =>
      parseAuthList(this.headers.getAll('proxy-authenticate'), 'Proxy-Authenticate'),
    );
  }

  get event(): EventHeader | undefined {
    return this.optional('event', parseEvent);
  }

  get subscriptionState(): SubscriptionState | undefined {
    return this.optional('subscription-state', parseSubscriptionState);
  }

  get referTo(): NameAddr | undefined {
    return this.optional('refer-to', (l) => parseNameAddrHeader('Refer-To', l));
  }

  get referredBy(): NameAddr | undefined {
    return this.optional('referred-by', (l) => parseNameAddrHeader('Referred-By', l));
  }

  get replaces(): Replaces | undefined {
    return this.optional('replaces', parseReplaces);
  }

  get rseq(): number | undefined {
    return this.cached('rseq', () => parseUnsigned('RSeq', this.headers.getAll('rseq'), 0xffffffff));
  }

  get rack(): RAck | undefined {
    return this.optional('rack', parseRAck);
  }

  get sessionExpires(): SessionExpires | undefined {
    return this.optional('session-expires', parseSessionExpires);
  }

  get minSE(): number | undefined {
    return this.optional('min-se', parseMinSE);
  }

  /** Reason values (RFC 3326), in order; empty when absent. */
  get reasons(): ReasonValue[] {
    return this.cached('reason', () => parseReason(this.headers.getAll('reason')));
  }

  get retryAfter(): RetryAfter | undefined {
    return this.optional('retry-after', parseRetryAfter);
  }

  /** A typed single-value header parsed on demand; undefined when the header is absent. */
  private optional<T>(key: string, parse: (lines: string[]) => T): T | undefined {
    return this.cached(key, () => {
      const lines = this.headers.getAll(key);
      return lines.length === 0 ? undefined : parse(lines);
    });
  }

  abstract get isRequest(): boolean;
}

export class SipRequest extends SipMessageBase {
  method: string;
  /** The Request-URI as it appeared on the wire; `uri` parses it. */
  rawUri: string;
  private uriValue: RequestUri | undefined = undefined;
  private uriFrom: string | undefined = undefined;

  constructor(method: string, uri: RequestUri | string, headers?: SipHeaders, body?: Buffer) {
    super(headers, body);
    this.method = method;
    this.rawUri = typeof uri === 'string' ? uri : uri.toString();
  }

  get isRequest(): true {
    return true;
  }

  get uri(): RequestUri {
    // Keyed by the text it came from: rawUri is a public field and may be reassigned.
    if (this.uriValue === undefined || this.uriFrom !== this.rawUri) {
      this.uriValue = parseUri(this.rawUri);
      this.uriFrom = this.rawUri;
    }
    return this.uriValue;
  }

  /** @internal The parser's already parsed Request-URI (from rawUri's very text). */
  adoptParsedUri(value: RequestUri): void {
    this.uriValue = value;
    this.uriFrom = this.rawUri;
  }

  set uri(value: RequestUri) {
    this.rawUri = value.toString();
    this.uriValue = value;
    this.uriFrom = this.rawUri;
  }
}

export class SipResponse extends SipMessageBase {
  status: number;
  reason: string;

  constructor(status: number, reason: string, headers?: SipHeaders, body?: Buffer) {
    super(headers, body);
    this.status = status;
    this.reason = reason;
  }

  get isRequest(): false {
    return false;
  }
}

export type SipMessage = SipRequest | SipResponse;

export function isRequest(msg: SipMessage): msg is SipRequest {
  return msg.isRequest;
}

function missingOrRepeated(name: string, count: number): Error {
  return new SipHeaderError(
    count === 0 ? `missing ${name} header` : `${name} header appears ${count} times; exactly one is allowed`,
    name,
  );
}
