/**
 * SIP requests and responses. The header lines stay raw in SipHeaders; the typed
 * accessors parse on demand (a proxy touching Via and Route never pays for Contact).
 * Parsed values are cached until the header is written through this message's API.
 * The headers every transaction reads live in message-core.ts.
 */
import type { SipHeaders } from './headers.js';
import type { SipUri, TelUri } from './uri.js';
import { parseUri } from './uri.js';
import type { NameAddr } from './name-addr.js';
import { SipMessageCore } from './message-core.js';
import type {
  AuthHeader,
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
  parseNameAddrHeader,
  parseNameAddrList,
  parseTokenList,
  parseUnsigned,
} from './header-values.js';

export { SIP_VERSION } from './message-core.js';

export type RequestUri = SipUri | TelUri;

abstract class SipMessageBase extends SipMessageCore {
  get recordRoutes(): NameAddr[] {
    return this.cached('record-route', () => parseNameAddrList(this.headers.getAll('record-route'), 'Record-Route'));
  }

  get routes(): NameAddr[] {
    return this.cached('route', () => parseNameAddrList(this.headers.getAll('route'), 'Route'));
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
