/**
 * Per-source receive statistics, straight from RFC 3550 Appendix A: sequence validation
 * with probation (A.1), cumulative and interval loss (A.3), interarrival jitter (A.8).
 * Numbers only, no allocation per packet.
 */
const RTP_SEQ_MOD = 1 << 16;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const MIN_SEQUENTIAL = 2;

export class ReceiveStats {
  ssrc = 0;
  maxSeq = 0;
  cycles = 0;
  baseSeq = 0;
  badSeq = RTP_SEQ_MOD + 1;
  probation = MIN_SEQUENTIAL;
  received = 0;
  bytes = 0;
  expectedPrior = 0;
  receivedPrior = 0;
  /** Interarrival jitter in timestamp units, scaled as A.8 (value, not x16). */
  jitter = 0;
  private transit = 0;
  private haveTransit = false;
  /** Last interval's loss fraction 0..1, updated when a report block is built. */
  lastFractionLost = 0;

  reset(ssrc: number, seq: number): void {
    this.ssrc = ssrc;
    this.initSeq(seq);
    this.probation = MIN_SEQUENTIAL;
    this.received = 0;
    this.bytes = 0;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
    this.jitter = 0;
    this.haveTransit = false;
    this.lastFractionLost = 0;
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
  }

  /** A.1 update_seq: false when the packet should not be counted (probation, jump). */
  update(seq: number, payloadBytes: number): boolean {
    const udelta = (seq - this.maxSeq + RTP_SEQ_MOD) % RTP_SEQ_MOD;
    if (this.probation > 0) {
      if (seq === (this.maxSeq + 1) % RTP_SEQ_MOD) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.initSeq(seq);
          this.count(payloadBytes);
          return true;
        }
      } else {
        this.probation = MIN_SEQUENTIAL - 1;
        this.maxSeq = seq;
      }
      return false;
    }
    if (udelta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD;
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      if (seq === this.badSeq) {
        // Two sequential packets after a big jump: the sender restarted; resync.
        this.initSeq(seq);
      } else {
        this.badSeq = (seq + 1) & (RTP_SEQ_MOD - 1);
        return false;
      }
    }
    // else: duplicate or reordered packet, still counted as received (A.3).
    this.count(payloadBytes);
    return true;
  }

  private count(payloadBytes: number): void {
    this.received++;
    this.bytes += payloadBytes;
  }

  /** A.8, with `arrival` already converted to timestamp units. */
  updateJitter(arrival: number, rtpTimestamp: number): void {
    const transit = arrival - rtpTimestamp;
    if (this.haveTransit) {
      let d = transit - this.transit;
      // A 32-bit timestamp wrap shows up as a jump of 2^32; fold it back.
      if (d > 0x80000000) d -= 0x100000000;
      else if (d < -0x80000000) d += 0x100000000;
      if (d < 0) d = -d;
      this.jitter += (d - this.jitter) / 16;
    }
    this.transit = transit;
    this.haveTransit = true;
  }

  get extendedMaxSeq(): number {
    return this.cycles + this.maxSeq;
  }

  get expected(): number {
    return this.received === 0 ? 0 : this.extendedMaxSeq - this.baseSeq + 1;
  }

  /** Cumulative lost (may be negative with duplicates, as RFC 3550 allows). */
  get cumulativeLost(): number {
    return this.received === 0 ? 0 : this.expected - this.received;
  }

  /** A.3 interval loss as the 8-bit fraction for a report block; advances the interval. */
  takeFractionLost(): number {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.received - this.receivedPrior;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fraction = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval << 8) / expectedInterval);
    this.lastFractionLost = fraction / 256;
    return fraction;
  }
}
