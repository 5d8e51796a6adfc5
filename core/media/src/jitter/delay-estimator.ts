/**
 * Estimates how much playout delay the network needs. For each packet the "relative
 * transit" is arrival time minus media time; its spread over a sliding window (95th
 * percentile minus minimum) is the delay that would have absorbed that much jitter. The
 * RFC 3550 interarrival jitter is kept too, for statistics and RTCP.
 */
export class DelayEstimator {
  /**
   * Arrival order in a ring (to expire the oldest; fixed memory, where an array's
   * shift/push would reallocate it every so often) and the same values kept sorted.
   */
  private readonly ring: Float64Array;
  private head = 0;
  private count = 0;
  private readonly sorted: number[] = [];
  private lastTransit = 0;
  private haveTransit = false;
  /** RFC 3550 section 6.4.1 interarrival jitter, in ms. */
  jitterMs = 0;

  constructor(
    private readonly clockRate: number,
    private readonly windowSize = 128,
  ) {
    this.ring = new Float64Array(windowSize);
  }

  observe(arrivalMs: number, extendedTimestamp: number): void {
    const transit = arrivalMs - (extendedTimestamp * 1000) / this.clockRate;
    if (this.haveTransit) {
      const d = Math.abs(transit - this.lastTransit);
      this.jitterMs += (d - this.jitterMs) / 16;
    }
    this.lastTransit = transit;
    this.haveTransit = true;
    // In-place moves rather than splice, which allocates its result on every packet.
    const sorted = this.sorted;
    if (this.count === this.windowSize) {
      removeAt(sorted, lowerBound(sorted, this.ring[this.head]!));
      this.ring[this.head] = transit;
      this.head = (this.head + 1) % this.windowSize;
    } else {
      this.ring[(this.head + this.count) % this.windowSize] = transit;
      this.count++;
    }
    insertAt(sorted, lowerBound(sorted, transit), transit);
  }

  /** Packets observed in the current window; below ~25 the estimate is not trustworthy. */
  get samples(): number {
    return this.count;
  }

  /** Delay (ms) that covers 95% of the observed transit variation. */
  neededDelayMs(): number {
    if (this.count < 2) return 0;
    const sorted = this.sorted;
    const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))];
    return p95 - sorted[0];
  }

  reset(): void {
    this.head = 0;
    this.count = 0;
    this.sorted.length = 0;
    this.haveTransit = false;
  }
}

function insertAt(a: number[], at: number, v: number): void {
  a.push(v);
  for (let i = a.length - 1; i > at; i--) a[i] = a[i - 1]!;
  a[at] = v;
}

function removeAt(a: number[], at: number): void {
  for (let i = at; i < a.length - 1; i++) a[i] = a[i + 1]!;
  a.pop();
}

function lowerBound(sorted: number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
