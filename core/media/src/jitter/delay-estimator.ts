/**
 * Estimates how much playout delay the network needs. For each packet the "relative
 * transit" is arrival time minus media time; its spread over a sliding window (95th
 * percentile minus minimum) is the delay that would have absorbed that much jitter. The
 * RFC 3550 interarrival jitter is kept too, for statistics and RTCP.
 */
export class DelayEstimator {
  /** Arrival order (to expire the oldest) and the same values kept sorted (for percentiles). */
  private readonly window: number[] = [];
  private readonly sorted: number[] = [];
  private lastTransit: number | undefined;
  /** RFC 3550 section 6.4.1 interarrival jitter, in ms. */
  jitterMs = 0;

  constructor(
    private readonly clockRate: number,
    private readonly windowSize = 128,
  ) {}

  observe(arrivalMs: number, extendedTimestamp: number): void {
    const transit = arrivalMs - (extendedTimestamp * 1000) / this.clockRate;
    if (this.lastTransit !== undefined) {
      const d = Math.abs(transit - this.lastTransit);
      this.jitterMs += (d - this.jitterMs) / 16;
    }
    this.lastTransit = transit;
    this.window.push(transit);
    this.sorted.splice(lowerBound(this.sorted, transit), 0, transit);
    if (this.window.length > this.windowSize) {
      const old = this.window.shift() as number;
      this.sorted.splice(lowerBound(this.sorted, old), 1);
    }
  }

  /** Packets observed in the current window; below ~25 the estimate is not trustworthy. */
  get samples(): number {
    return this.window.length;
  }

  /** Delay (ms) that covers 95% of the observed transit variation. */
  neededDelayMs(): number {
    if (this.window.length < 2) return 0;
    const sorted = this.sorted;
    const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))];
    return p95 - sorted[0];
  }

  reset(): void {
    this.window.length = 0;
    this.sorted.length = 0;
    this.lastTransit = undefined;
  }
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
