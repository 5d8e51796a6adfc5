/**
 * The header lines of a received message as offsets into its text, so that parsing
 * allocates nothing per line: a lookup compares names in place and slices only the
 * values asked for. SipHeaders turns it into field objects on the first write or walk.
 */
import type { HeaderField } from './headers.js';

/** Four offsets per line: name start, name end, value start, value end (LWS trimmed). */
export class RawHeaderIndex {
  readonly text: string;
  readonly offs: readonly number[];
  readonly count: number;

  constructor(text: string, offs: readonly number[], count: number) {
    this.text = text;
    this.offs = offs;
    this.count = count;
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
