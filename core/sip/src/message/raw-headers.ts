/**
 * The header lines of a received message as offsets into its text, so that parsing
 * allocates nothing per line: a lookup compares names in place and slices only the
 * values asked for. SipHeaders turns it into field objects on the first write or walk.
 */
import type { HeaderField } from './headers.js';

/**
 * Ids of the headers read on every message, recognised while the lines are indexed so
 * that their lookups need no name comparison at all.
 */
export const H_VIA = 1;
export const H_FROM = 2;
export const H_TO = 3;
export const H_CALL_ID = 4;
export const H_CSEQ = 5;
export const H_CONTACT = 6;
export const H_CONTENT_LENGTH = 7;
export const H_MAX_FORWARDS = 8;
export const H_EXPIRES = 9;

export const KNOWN_HEADER_ID: ReadonlyMap<string, number> = new Map([
  ['via', 1],
  ['from', 2],
  ['to', 3],
  ['call-id', 4],
  ['cseq', 5],
  ['contact', 6],
  ['content-length', 7],
  ['max-forwards', 8],
  ['expires', 9],
]);

function nameIs(s: string, at: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) if ((s.charCodeAt(at + k) | 0x20) !== lower.charCodeAt(k)) return false;
  return true;
}

/**
 * A header name folded to lower case and packed 7 bits a character (exact up to 7
 * characters in a double): `| 0x20` maps distinct token characters to distinct codes
 * except for letter case, so equal packs mean equal names ignoring case.
 */
export function packName(s: string, at: number, len: number): number {
  let h = 0;
  for (let k = 0; k < len; k++) h = h * 128 + (s.charCodeAt(at + k) | 0x20);
  return h;
}

/** Name lengths of the known headers (v, to, via, from/cseq, call-id/contact/expires, max-forwards, content-length). */
const KNOWN_LENGTHS = Uint8Array.from({ length: 16 }, (_v, n) => ([1, 2, 3, 4, 7, 12, 14].includes(n) ? 1 : 0));

/** Whether some known header has a name this long (most other names are skipped at once). */
export function isKnownNameLength(len: number): boolean {
  return len < 16 && KNOWN_LENGTHS[len] === 1;
}

const P_TO = packName('to', 0, 2);
const P_VIA = packName('via', 0, 3);
const P_FROM = packName('from', 0, 4);
const P_CSEQ = packName('cseq', 0, 4);
const P_CALL_ID = packName('call-id', 0, 7);
const P_CONTACT = packName('contact', 0, 7);
const P_EXPIRES = packName('expires', 0, 7);

/**
 * The known-header id of the (validated token) name s[at, at+len) whose packName is
 * `packed` (the line indexer computes it while validating the name), or 0.
 */
export function knownHeaderId(s: string, at: number, len: number, packed = packName(s, at, len < 8 ? len : 0)): number {
  switch (len) {
    case 1: {
      const c = packed;
      return c === 118 ? 1 : c === 102 ? 2 : c === 116 ? 3 : c === 105 ? 4 : c === 109 ? 6 : c === 108 ? 7 : 0;
    }
    case 2:
      return packed === P_TO ? 3 : 0;
    case 3:
      return packed === P_VIA ? 1 : 0;
    case 4:
      return packed === P_FROM ? 2 : packed === P_CSEQ ? 5 : 0;
    case 7:
      return packed === P_CALL_ID ? 4 : packed === P_CONTACT ? 6 : packed === P_EXPIRES ? 9 : 0;
    case 12:
      return (s.charCodeAt(at) | 0x20) === 109 && nameIs(s, at, 'max-forwards') ? 8 : 0;
    case 14:
      return (s.charCodeAt(at) | 0x20) === 99 && nameIs(s, at, 'content-length') ? 7 : 0;
    default:
      return 0;
  }
}

/**
 * Where the line indexers collect offsets and ids before copying them out at their exact
 * size: pushing into fresh arrays reallocated each one as it grew. Parsing is synchronous,
 * so one pair serves every parse.
 */
export const scratchOffs: number[] = [];
export const scratchIds: number[] = [];
/** Lines the scratch keeps room for between messages. */
const SCRATCH_KEEP = 256;

/** Four offsets per line: name start, name end, value start, value end (LWS trimmed). */
export class RawHeaderIndex {
  readonly text: string;
  readonly offs: readonly number[];
  readonly count: number;
  /** Known-header id of each line (0: other). */
  readonly ids: readonly number[];
  /** Per known id: index of its first line (-1: absent) and its number of lines. */
  readonly firstOf: number[];
  readonly countOf: number[];

  constructor(text: string, offs: readonly number[], count: number, ids: readonly number[], firstOf?: number[], countOf?: number[]) {
    this.text = text;
    this.offs = offs;
    this.count = count;
    this.ids = ids;
    if (firstOf !== undefined && countOf !== undefined) {
      // Counted by the caller while it indexed the lines.
      this.firstOf = firstOf;
      this.countOf = countOf;
      return;
    }
    this.firstOf = [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1];
    this.countOf = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < count; i++) {
      const id = ids[i]!;
      if (id === 0) continue;
      if (this.countOf[id]++ === 0) this.firstOf[id] = i;
    }
  }

  /** The index of the n lines collected in scratchOffs / scratchIds (copied out). */
  static fromScratch(text: string, n: number, firstOf: number[], countOf: number[]): RawHeaderIndex {
    const index = new RawHeaderIndex(text, scratchOffs.slice(0, n * 4), n, scratchIds.slice(0, n), firstOf, countOf);
    // A message with thousands of lines must not leave the scratch that large for good.
    if (scratchOffs.length > SCRATCH_KEEP * 4) {
      scratchOffs.length = 0;
      scratchIds.length = 0;
    }
    return index;
  }

  /**
   * A copy whose line `line` has the value `value`: the text rebuilt once and the later
   * offsets shifted, which keeps every other line in place and unparsed. Ids and the
   * per-id tables are shared (no line changes its name).
   */
  withValue(line: number, value: string): RawHeaderIndex {
    const o = this.offs;
    const vs = o[line * 4 + 2]!;
    const ve = o[line * 4 + 3]!;
    const text = this.text.slice(0, vs) + value + this.text.slice(ve);
    const delta = value.length - (ve - vs);
    const offs = o.slice();
    offs[line * 4 + 3] = ve + delta;
    for (let k = (line + 1) * 4; k < offs.length; k++) offs[k] = offs[k]! + delta;
    return new RawHeaderIndex(text, offs, this.count, this.ids, this.firstOf, this.countOf);
  }

  /** Values of every line with this known id, in order. */
  valuesOf(id: number): string[] {
    const n = this.countOf[id]!;
    if (n === 0) return [];
    if (n === 1) return [this.value(this.firstOf[id]!)];
    const out: string[] = [];
    for (let i = this.firstOf[id]!; i < this.count; i++) if (this.ids[i] === id) out.push(this.value(i));
    return out;
  }

  /** Does line i carry the header whose lower-case long name is key (compact: its letter or 0)? */
  matches(i: number, key: string, compact: number): boolean {
    const text = this.text;
    const ns = this.offs[i * 4]!;
    const len = this.offs[i * 4 + 1]! - ns;
    if (len === 1) return compact !== 0 ? (text.charCodeAt(ns) | 0x20) === compact : key.length === 1 && (text.charCodeAt(ns) | 0x20) === key.charCodeAt(0);
    if (len !== key.length) return false;
    // Names are validated tokens, so `| 0x20` folds case without false matches.
    for (let j = 0; j < len; j++) if ((text.charCodeAt(ns + j) | 0x20) !== key.charCodeAt(j)) return false;
    return true;
  }

  value(i: number): string {
    return this.text.slice(this.offs[i * 4 + 2]!, this.offs[i * 4 + 3]!);
  }

  name(i: number): string {
    return this.text.slice(this.offs[i * 4]!, this.offs[i * 4 + 1]!);
  }

  /** Index of the first line with this header at or after from, or -1. */
  find(key: string, compact: number, from = 0): number {
    for (let i = from; i < this.count; i++) if (this.matches(i, key, compact)) return i;
    return -1;
  }

  toFields(): HeaderField[] {
    const out: HeaderField[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = { name: this.name(i), value: this.value(i) };
    return out;
  }
}
