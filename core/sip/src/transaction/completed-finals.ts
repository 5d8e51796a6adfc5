/**
 * Completed non-INVITE server transactions over UDP, kept as bytes (RFC 3261 17.2.2).
 *
 * For Timer J (64*T1, 32 s) a Completed non-INVITE server transaction does one thing:
 * answer a retransmission of its request with its final response. Keeping the whole
 * transaction for that (request, response, header caches, a timer, TU listeners) cost a
 * busy registrar about 6 KB per REGISTER, hundreds of MB at 10k REGISTER/s, and most of its
 * GC time copying them out of the young generation. The layer keeps only the final's wire
 * bytes, where they went and the keys that find them; the transaction object itself
 * terminates when its final is sent (as it does on TCP, where J is zero).
 *
 * Every entry lives the same J, so insertion order is expiry order: entries are grouped
 * into batches opened every `granularity` ms, each with one expiry timer at J plus the
 * granularity, so an entry lives between J and J + granularity and thousands of entries
 * share a handful of timers instead of one each.
 */
import type { TimerHandle, TimerScheduler } from './timers.js';
import type { TransactionSource } from './transport.js';

export interface CompletedFinal {
  /** The server transaction key (17.2.3) retransmissions carry. */
  readonly key: string;
  /** The 8.2.2.2 merge key when the request had no To tag. */
  readonly mergeKey: string | undefined;
  /** The final response exactly as it was sent. */
  readonly wire: Buffer;
  readonly source: TransactionSource;
}

export class CompletedFinals {
  private readonly byKey = new Map<string, CompletedFinal>();
  private readonly byMergeKey = new Map<string, CompletedFinal>();
  private readonly timers = new Set<TimerHandle>();
  private open: CompletedFinal[] | undefined;

  constructor(
    private readonly scheduler: TimerScheduler,
    private readonly lifetimeMs: number,
    private readonly granularityMs: number,
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): CompletedFinal | undefined {
    return this.byKey.get(key);
  }

  getMerged(mergeKey: string): CompletedFinal | undefined {
    return this.byMergeKey.get(mergeKey);
  }

  add(key: string, mergeKey: string | undefined, wire: Buffer, source: TransactionSource): void {
    const entry: CompletedFinal = { key: detach(key), mergeKey: mergeKey === undefined ? undefined : detach(mergeKey), wire, source };
    this.byKey.set(entry.key, entry);
    if (entry.mergeKey !== undefined && !this.byMergeKey.has(entry.mergeKey)) this.byMergeKey.set(entry.mergeKey, entry);
    this.batch().push(entry);
  }

  /** Drops everything (layer closed). */
  clear(): void {
    for (const t of this.timers) this.scheduler.clearTimeout(t);
    this.timers.clear();
    this.byKey.clear();
    this.byMergeKey.clear();
    this.open = undefined;
  }

  private batch(): CompletedFinal[] {
    if (this.open !== undefined) return this.open;
    const batch: CompletedFinal[] = [];
    this.open = batch;
    const close = this.scheduler.setTimeout(() => {
      this.timers.delete(close);
      if (this.open === batch) this.open = undefined;
    }, this.granularityMs);
    const expire = this.scheduler.setTimeout(() => {
      this.timers.delete(expire);
      if (this.open === batch) this.open = undefined;
      for (const e of batch) {
        if (this.byKey.get(e.key) === e) this.byKey.delete(e.key);
        if (e.mergeKey !== undefined && this.byMergeKey.get(e.mergeKey) === e) this.byMergeKey.delete(e.mergeKey);
      }
    }, this.lifetimeMs + this.granularityMs);
    this.timers.add(close);
    this.timers.add(expire);
    return batch;
  }
}

/** Any RegExp run flattens its subject first; this one is cheap and never matches SIP text. */
const FLATTEN = /\u0000/;

/**
 * A key built by concatenating slices of a message is a V8 rope whose leaves keep the whole
 * message text alive for as long as the key lives (here 32 s). A RegExp run flattens the
 * rope into one fresh string in place and lets the message go (charCodeAt does not: the
 * optimizing compiler walks ropes without flattening them).
 */
function detach(s: string): string {
  FLATTEN.test(s);
  return s;
}
