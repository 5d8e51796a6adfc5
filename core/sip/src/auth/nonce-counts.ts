/**
 * Replay protection for qop digest: the nc values seen per nonce, with bounded memory.
 * Each nonce keeps the highest nc and a 64-wide bitmap below it (the IPsec anti-replay
 * window), so requests reordered by UDP still pass while a repeated nc is caught.
 * When the table is full the oldest nonce is dropped and its issue time becomes a
 * floor: a nonce issued at or before the floor and no longer tracked is reported
 * `unknown`, which the server answers with stale=true, so eviction never opens a replay.
 */
const WINDOW = 64n;

interface Tracker {
  highest: bigint;
  /** Bit k set: nc = highest - k was seen. */
  seen: bigint;
  issuedAt: number;
}

export type NonceCountResult = 'fresh' | 'replay' | 'unknown';

export class NonceCountTracker {
  private readonly trackers = new Map<string, Tracker>();
  private floor = Number.NEGATIVE_INFINITY;

  constructor(private readonly maxNonces: number) {}

  /** Records nc for this nonce; `replay` if it was seen (or fell behind the window). */
  record(nonce: string, issuedAt: number, nc: number): NonceCountResult {
    const n = BigInt(nc);
    let t = this.trackers.get(nonce);
    if (t === undefined) {
      if (issuedAt <= this.floor) return 'unknown';
      t = { highest: 0n, seen: 0n, issuedAt };
      this.trackers.set(nonce, t);
      this.evict();
    }
    if (n > t.highest) {
      const shift = n - t.highest;
      t.seen = shift >= WINDOW ? 1n : ((t.seen << shift) | 1n) & ((1n << WINDOW) - 1n);
      t.highest = n;
      return 'fresh';
    }
    const offset = t.highest - n;
    if (offset >= WINDOW) return 'replay';
    const bit = 1n << offset;
    if ((t.seen & bit) !== 0n) return 'replay';
    t.seen |= bit;
    return 'fresh';
  }

  /** Forgets nonces issued before `issuedBefore` (they are expired anyway). */
  prune(issuedBefore: number): void {
    for (const [nonce, t] of this.trackers) {
      if (t.issuedAt < issuedBefore) {
        this.trackers.delete(nonce);
        this.floor = Math.max(this.floor, t.issuedAt);
      }
    }
  }

  get size(): number {
    return this.trackers.size;
  }

  private evict(): void {
    while (this.trackers.size > this.maxNonces) {
      const [oldest, t] = this.trackers.entries().next().value as [string, Tracker];
      this.trackers.delete(oldest);
      this.floor = Math.max(this.floor, t.issuedAt);
    }
  }
}
