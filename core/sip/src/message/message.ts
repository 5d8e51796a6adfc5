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
    return this.parsedLines('record-route', 'Record-Route', parseNameAddrList);
  }

  get routes(): NameAddr[] {
    return this.parsedLines('route', 'Route', parseNameAddrList);
  }

  /** Media type without parameters, lower-cased (`application/sdp`), or undefined. */
  get contentType(): string | undefined {
    const v = this.headers.get('content-type');
    return v === undefined ? undefined : v.split(';')[0]!.trim().toLowerCase();
  }

  get require(): string[] {
    return this.parsedLines('require', 'Require', parseTokenList);
  }

  get supported(): string[] {
    return this.parsedLines('supported', 'Supported', parseTokenList);
  }

  get allow(): string[] {
    return this.parsedLines('allow', 'Allow', parseTokenList);
  }

  get unsupported(): string[] {
    return this.parsedLines('unsupported', 'Unsupported', parseTokenList);
  }

  get proxyRequire(): string[] {
    return this.parsedLines('proxy-require', 'Proxy-Require', parseTokenList);
  }

  get authorization(): AuthHeader[] {
    return this.parsedLines('authorization', 'Authorization', parseAuthList);
  }

  get proxyAuthorization(): AuthHeader[] {
    return this.parsedLines('proxy-authorization', 'Proxy-Authorization', parseAuthList);
  }

  get wwwAuthenticate(): AuthHeader[] {
    return this.parsedLines('www-authenticate', 'WWW-Authenticate', parseAuthList);
  }

  get proxyAuthenticate(): AuthHeader[] {
    return this.parsedLines('proxy-authenticate', 'Proxy-Authenticate', parseAuthList);
  }

  get event(): EventHeader | undefined {
    return this.parsedLines('event', 'Event', optionalEvent);
  }

  get subscriptionState(): SubscriptionState | undefined {
    return this.parsedLines('subscription-state', 'Subscription-State', optionalSubscriptionState);
  }

  get referTo(): NameAddr | undefined {
    return this.parsedLines('refer-to', 'Refer-To', optionalNameAddr);
  }

  get referredBy(): NameAddr | undefined {
    return this.parsedLines('referred-by', 'Referred-By', optionalNameAddr);
  }

  get replaces(): Replaces | undefined {
    return this.parsedLines('replaces', 'Replaces', optionalReplaces);
  }

  get rseq(): number | undefined {
    return this.parsedLines('rseq', 'RSeq', unsigned32);
  }

  get rack(): RAck | undefined {
    return this.parsedLines('rack', 'RAck', optionalRAck);
  }

  get sessionExpires(): SessionExpires | undefined {
    return this.parsedLines('session-expires', 'Session-Expires', optionalSessionExpires);
  }

  get minSE(): number | undefined {
    return this.parsedLines('min-se', 'Min-SE', optionalMinSE);
  }

  /** Reason values (RFC 3326), in order; empty when absent. */
  get reasons(): ReasonValue[] {
    return this.parsedLines('reason', 'Reason', parseReason);
  }

  get retryAfter(): RetryAfter | undefined {
    return this.parsedLines('retry-after', 'Retry-After', optionalRetryAfter);
  }
}

/** A single-value header parser made optional: undefined when the header is absent. */
function optional<T>(parse: (lines: string[]) => T): (lines: string[]) => T | undefined {
  return (lines) => (lines.length === 0 ? undefined : parse(lines));
}

// Made once here: the getters pass the same functions every time (no closure per read).
const optionalEvent = optional(parseEvent);
const optionalSubscriptionState = optional(parseSubscriptionState);
const optionalReplaces = optional(parseReplaces);
const optionalRAck = optional(parseRAck);
const optionalSessionExpires = optional(parseSessionExpires);
const optionalMinSE = optional(parseMinSE);
const optionalRetryAfter = optional(parseRetryAfter);

function optionalNameAddr(lines: string[], name: string): NameAddr | undefined {
  return lines.length === 0 ? undefined : parseNameAddrHeader(name, lines);
}

function unsigned32(lines: string[], name: string): number | undefined {
  return parseUnsigned(name, lines, 0xffffffff);
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
