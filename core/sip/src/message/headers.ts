/**
 * Ordered header storage. Header lines are kept exactly as received (name spelling,
 * value text, order) so that serialize(parse(x)) is stable and unknown headers pass
 * through verbatim; lookups are case-insensitive and understand compact forms.
 */
import type { RawHeaderIndex } from './raw-headers.js';
import { KNOWN_HEADER_ID } from './raw-headers.js';

export interface HeaderField {
  /** The name as it appeared on the wire (or as the application set it). */
  name: string;
  /** The raw value, folding already unfolded to single spaces, surrounding LWS trimmed. */
  value: string;
}

/** RFC 3261 7.3.3 and the registered compact forms (RFC 3841, 3515, 3892, 4474, 6665...). */
const COMPACT: Readonly<Record<string, string>> = {
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
};

/** Long name -> char code of its compact form (`via` -> 'v'), for in-place matching. */
const COMPACT_CODE = new Map<string, number>(Object.entries(COMPACT).map(([c, long]) => [long, c.charCodeAt(0)]));

/** Canonical spellings used when rvoip itself creates a header. */
const CANONICAL: Readonly<Record<string, string>> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  rack: 'RAck',
  rseq: 'RSeq',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
  'min-se': 'Min-SE',
};

/** Lower-case long form of a header name: `v` -> `via`, `Call-Id` -> `call-id`. */
export function headerKey(name: string): string {
  const cached = KEY_CACHE.get(name);
  if (cached !== undefined) return cached;
  const lower = name.toLowerCase();
  const key = lower.length === 1 ? (COMPACT[lower] ?? lower) : lower;
  // Bounded: hostile peers sending random names must not grow it without limit.
  if (KEY_CACHE.size < 2048) KEY_CACHE.set(name, key);
  return key;
}

const KEY_CACHE = new Map<string, string>();

/** What a lookup needs to know about a name: its key, known-header id and compact letter. */
interface NameInfo {
  readonly key: string;
  /** KNOWN_HEADER_ID of the key, 0 for other headers. */
  readonly id: number;
  /** Char code of the compact form, 0 when none. */
  readonly compact: number;
}

/** One Map lookup per header lookup instead of one per table (headerKey, id, compact form). */
function nameInfo(name: string): NameInfo {
  let info = NAME_INFO.get(name);
  if (info === undefined) {
    const key = headerKey(name);
    info = { key, id: KNOWN_HEADER_ID.get(key) ?? 0, compact: COMPACT_CODE.get(key) ?? 0 };
    // Bounded like KEY_CACHE.
    if (NAME_INFO.size < 2048) NAME_INFO.set(name, info);
  }
  return info;
}

const NAME_INFO = new Map<string, NameInfo>();

/** The spelling rvoip writes for a header name it creates. */
export function canonicalHeaderName(name: string): string {
  const cached = CANONICAL_CACHE.get(name);
  if (cached !== undefined) return cached;
  const key = headerKey(name);
  const spelled = CANONICAL[key] ?? key.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
  // Bounded like KEY_CACHE: application-chosen names only, but never without limit.
  if (CANONICAL_CACHE.size < 512) CANONICAL_CACHE.set(name, spelled);
  return spelled;
}

const CANONICAL_CACHE = new Map<string, string>();

const NO_FIELDS: HeaderField[] = [];
const NO_KEYS: string[] = [];

export class SipHeaders implements Iterable<HeaderField> {
  private fields: HeaderField[];
  /** headerKey() of each field, computed once: lookups are on the hot path. */
  private keys: string[];
  /** Offsets of the received lines; replaced by fields/keys on the first write or walk. */
  private raw: RawHeaderIndex | undefined;

  constructor(fields: HeaderField[] = [], keys?: string[]) {
    this.fields = fields;
    this.keys = keys !== undefined && keys.length === fields.length ? keys : fields.map((f) => headerKey(f.name));
  }

  /**
   * @internal The received lines while no edit has replaced them: typed accessors parse
   * known headers in place from it (undefined once the headers were written or walked).
   */
  get rawIndex(): RawHeaderIndex | undefined {
    return this.raw;
  }

  /** Wraps the line offsets the parser found; fields are built only if needed. */
  static fromRaw(raw: RawHeaderIndex): SipHeaders {
    // Shared empty arrays: never written while `raw` is set (own() replaces them first).
    const h = new SipHeaders(NO_FIELDS, NO_KEYS);
    h.raw = raw;
    return h;
  }

  /**
   * @internal Sets the value of the first line of known header `id` (KNOWN_HEADER_ID) in
   * place while the received lines are still indexed; false (nothing done) otherwise.
   */
  replaceFirstKnown(id: number, value: string): boolean {
    const raw = this.raw;
    if (raw === undefined || raw.firstOf[id]! < 0) return false;
    this.raw = raw.withValue(raw.firstOf[id]!, value);
    return true;
  }

  private own(): HeaderField[] {
    const raw = this.raw;
    if (raw !== undefined) {
      this.raw = undefined;
      this.fields = raw.toFields();
      this.keys = this.fields.map((f) => headerKey(f.name));
    }
    return this.fields;
  }

  /** The first value of the header, or undefined. */
  get(name: string): string | undefined {
    const info = nameInfo(name);
    const raw = this.raw;
    if (raw !== undefined) {
      const i = info.id !== 0 ? raw.firstOf[info.id]! : raw.find(info.key, info.compact);
      return i < 0 ? undefined : raw.value(i);
    }
    const idx = this.keys.indexOf(info.key);
    return idx < 0 ? undefined : this.fields[idx]!.value;
  }

  /** Every header line with this name, in order (comma lists are not split here). */
  getAll(name: string): string[] {
    const info = nameInfo(name);
    const key = info.key;
    const out: string[] = [];
    const raw = this.raw;
    if (raw !== undefined) {
      if (info.id !== 0) return raw.valuesOf(info.id);
      const compact = info.compact;
      for (let i = 0; i < raw.count; i++) if (raw.matches(i, key, compact)) out.push(raw.value(i));
      return out;
    }
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) out.push(this.fields[i]!.value);
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** How many header lines carry this name. */
  count(name: string): number {
    const info = nameInfo(name);
    const key = info.key;
    let n = 0;
    const raw = this.raw;
    if (raw !== undefined) {
      if (info.id !== 0) return raw.countOf[info.id]!;
      const compact = info.compact;
      for (let i = 0; i < raw.count; i++) if (raw.matches(i, key, compact)) n++;
      return n;
    }
    for (const k of this.keys) if (k === key) n++;
    return n;
  }

  /** Replaces every line of this header by one line (in place of the first, or appended). */
  set(name: string, value: string | number): this {
    this.own();
    const key = headerKey(name);
    const idx = this.keys.indexOf(key);
    const field = { name: idx >= 0 ? this.fields[idx]!.name : canonicalHeaderName(name), value: String(value) };
    this.removeAll(name);
    if (idx >= 0) {
      const at = Math.min(idx, this.fields.length);
      this.fields.splice(at, 0, field);
      this.keys.splice(at, 0, key);
    } else {
      this.fields.push(field);
      this.keys.push(key);
    }
    return this;
  }

  append(name: string, value: string | number): this {
    this.own().push({ name: canonicalHeaderName(name), value: String(value) });
    this.keys.push(headerKey(name));
    return this;
  }

  /** Inserts a line before every other line of the same header (Via, Record-Route). */
  prepend(name: string, value: string | number): this {
    this.own();
    const key = headerKey(name);
    const idx = this.keys.indexOf(key);
    const field = { name: canonicalHeaderName(name), value: String(value) };
    if (idx >= 0) {
      this.fields.splice(idx, 0, field);
      this.keys.splice(idx, 0, key);
    } else {
      this.fields.push(field);
      this.keys.push(key);
    }
    return this;
  }

  removeAll(name: string): this {
    this.own();
    const key = headerKey(name);
    for (let i = this.fields.length - 1; i >= 0; i--) {
      if (this.keys[i] === key) {
        this.fields.splice(i, 1);
        this.keys.splice(i, 1);
      }
    }
    return this;
  }

  /** Removes the first line of this header; used to pop the top Via. */
  removeFirst(name: string): this {
    this.own();
    const idx = this.keys.indexOf(headerKey(name));
    if (idx >= 0) {
      this.fields.splice(idx, 1);
      this.keys.splice(idx, 1);
    }
    return this;
  }

  clone(): SipHeaders {
    if (this.raw !== undefined) return SipHeaders.fromRaw(this.raw);
    return new SipHeaders(
      this.fields.map((f) => ({ ...f })),
      this.keys.slice(),
    );
  }

  [Symbol.iterator](): Iterator<HeaderField> {
    return this.own()[Symbol.iterator]();
  }

  get size(): number {
    return this.raw !== undefined ? this.raw.count : this.fields.length;
  }
}
