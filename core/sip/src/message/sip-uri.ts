/**
 * The SIP/SIPS URI value (RFC 3261 19.1): fields as received (escapes kept), params and
 * headers turned into collections only when asked for, 19.1.4 equivalence. uri.ts
 * parses the text into it.
 */
import { normHeaders, normParams, optEq, unescapeUri } from './uri-chars.js';
import type { GenericUri, TelUri } from './uri-kinds.js';

export class SipUri {
  scheme: 'sip' | 'sips';
  user?: string;
  password?: string;
  /** Lower-case is not forced: hosts compare case-insensitively. IPv6 keeps its brackets. */
  host: string;
  port?: number;
  // Created on first use: most URIs on the wire carry neither params nor headers.
  private paramsValue: Map<string, string | null> | undefined;
  private headersValue: Array<[string, string]> | undefined;
  /** Params as received (`;a=b;c`, already checked), turned into the map on first use. */
  private paramsText: string | undefined = undefined;

  constructor(init: {
    scheme?: 'sip' | 'sips';
    user?: string;
    password?: string;
    host: string;
    port?: number;
    params?: Map<string, string | null> | Record<string, string | null>;
    headers?: Array<[string, string]>;
  }) {
    this.scheme = init.scheme ?? 'sip';
    this.user = init.user;
    this.password = init.password;
    this.host = init.host;
    this.port = init.port;
    const p = init.params;
    this.paramsValue = p === undefined ? undefined : p instanceof Map ? new Map(p) : new Map(Object.entries(p));
    this.headersValue = init.headers === undefined ? undefined : init.headers.map(([k, v]) => [k, v] as [string, string]);
  }

  /** Lower-cased names -> raw value (escapes kept) or null for a flag such as `lr`. */
  get params(): Map<string, string | null> {
    return (this.paramMap() ?? (this.paramsValue = new Map()));
  }

  set params(value: Map<string, string | null>) {
    this.paramsValue = value;
    this.paramsText = undefined;
  }

  /** @internal The parser's checked params text; the map is built from it when asked for. */
  setParamsText(text: string): void {
    this.paramsText = text;
    this.paramsValue = undefined;
  }

  /** True when the URI carries `?headers` (without creating the empty list). */
  get hasHeaders(): boolean {
    return this.headersValue !== undefined && this.headersValue.length > 0;
  }

  private paramMap(): Map<string, string | null> | undefined {
    const text = this.paramsText;
    if (text !== undefined) {
      this.paramsText = undefined;
      const map = new Map<string, string | null>();
      // Checked by the parser: ';'-separated, the first '=' splits name and value.
      for (let ps = 1; ps <= text.length; ) {
        let pe = text.indexOf(';', ps);
        if (pe < 0) pe = text.length;
        const eq = text.indexOf('=', ps);
        if (eq < 0 || eq > pe) map.set(text.slice(ps, pe).toLowerCase(), null);
        else map.set(text.slice(ps, eq).toLowerCase(), text.slice(eq + 1, pe));
        ps = pe + 1;
      }
      this.paramsValue = map;
    }
    return this.paramsValue;
  }

  /** `?name=value&...` pairs, raw. */
  get headers(): Array<[string, string]> {
    return (this.headersValue ??= []);
  }

  set headers(value: Array<[string, string]>) {
    this.headersValue = value;
  }

  /** The transport param, lower-cased, or undefined. */
  get transport(): string | undefined {
    const t = this.paramMap()?.get('transport');
    return t == null ? undefined : t.toLowerCase();
  }

  /** The user part with escapes decoded, for display or lookups (never re-serialize it). */
  get userUnescaped(): string | undefined {
    return this.user === undefined ? undefined : unescapeUri(this.user);
  }

  /** A param value looked up by (unescaped, case-insensitive) name. */
  param(name: string): string | null | undefined {
    const key = name.toLowerCase();
    if (this.params.has(key)) return this.params.get(key);
    for (const [k, v] of this.params) if (k.indexOf('%') >= 0 && unescapeUri(k).toLowerCase() === key) return v;
    return undefined;
  }

  toString(): string {
    let out = this.scheme + ':';
    if (this.user !== undefined) {
      out += this.user;
      if (this.password !== undefined) out += ':' + this.password;
      out += '@';
    }
    out += this.host;
    if (this.port !== undefined) out += ':' + this.port;
    const params = this.paramMap();
    if (params !== undefined) for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
    if (this.headersValue !== undefined && this.headersValue.length > 0) {
      out += '?' + this.headersValue.map(([k, v]) => `${k}=${v}`).join('&');
    }
    return out;
  }

  clone(): SipUri {
    return new SipUri({
      scheme: this.scheme,
      user: this.user,
      password: this.password,
      host: this.host,
      port: this.port,
      params: this.paramMap(),
      headers: this.headersValue,
    });
  }

  /** RFC 3261 19.1.4 equivalence. */
  equals(other: SipUri | TelUri | GenericUri): boolean {
    if (!(other instanceof SipUri) || other.scheme !== this.scheme) return false;
    if (!optEq(this.user, other.user, false) || !optEq(this.password, other.password, false)) return false;
    if (this.host.toLowerCase() !== other.host.toLowerCase() || this.port !== other.port) return false;
    const a = normParams(this.params);
    const b = normParams(other.params);
    for (const name of ['user', 'ttl', 'method', 'maddr', 'transport']) {
      if (a.has(name) !== b.has(name)) return false;
    }
    for (const [k, v] of a) {
      if (b.has(k) && b.get(k) !== v) return false;
    }
    if (this.headers.length !== other.headers.length) return false;
    const ha = normHeaders(this.headers);
    const hb = normHeaders(other.headers);
    for (const [k, v] of ha) if (hb.get(k) !== v) return false;
    return true;
  }
}
