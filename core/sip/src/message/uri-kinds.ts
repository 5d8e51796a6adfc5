/** The non-SIP URIs: RFC 3966 tel and any other absoluteURI kept opaque. */
import type { SipUri } from './uri.js';
import { normParams } from './uri-chars.js';

/** RFC 3966 tel URI: the number (global `+...` or local) and its params. */
export class TelUri {
  readonly scheme = 'tel' as const;
  number: string;
  params: Map<string, string | null>;

  constructor(number: string, params: Map<string, string | null> = new Map()) {
    this.number = number;
    this.params = new Map(params);
  }

  get isGlobal(): boolean {
    return this.number.startsWith('+');
  }

  toString(): string {
    let out = 'tel:' + this.number;
    for (const [k, v] of this.params) out += v === null ? `;${k}` : `;${k}=${v}`;
    return out;
  }

  clone(): TelUri {
    return new TelUri(this.number, this.params);
  }

  /** RFC 3966 5: visual separators are ignored, params compare case-insensitively. */
  equals(other: SipUri | TelUri | GenericUri): boolean {
    if (!(other instanceof TelUri)) return false;
    const strip = (n: string): string => n.replace(/[-.()]/g, '').toLowerCase();
    if (strip(this.number) !== strip(other.number) || this.params.size !== other.params.size) return false;
    const b = normParams(other.params);
    for (const [k, v] of normParams(this.params)) if (!b.has(k) || b.get(k) !== v) return false;
    return true;
  }
}

/** Any other absoluteURI (`http:`, `isbn:`, `urn:`...) met in To/From/Contact: kept opaque. */
export class GenericUri {
  scheme: string;
  /** Everything after the colon. */
  value: string;

  constructor(scheme: string, value: string) {
    this.scheme = scheme.toLowerCase();
    this.value = value;
  }

  toString(): string {
    return `${this.scheme}:${this.value}`;
  }

  clone(): GenericUri {
    return new GenericUri(this.scheme, this.value);
  }

  equals(other: SipUri | TelUri | GenericUri): boolean {
    return other instanceof GenericUri && other.scheme === this.scheme && other.value === this.value;
  }
}
