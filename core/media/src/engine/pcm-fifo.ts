/**
 * A bounded PCM FIFO that re-frames decoded audio into 20 ms frames when the peer
 * packetises differently (ptime 10, 30, 40, 60). When every packet is exactly one frame,
 * `passThrough` hands it on without a copy.
 */
import { allocPcm } from '../codecs/pcm-pool.js';

export class PcmFifo {
  private buf: Int16Array;
  private len = 0;
  /** Samples discarded because the FIFO was full (the consumer fell behind). */
  overflowed = 0;

  constructor(capacity: number) {
    this.buf = new Int16Array(capacity);
  }

  get length(): number {
    return this.len;
  }

  push(pcm: Int16Array): void {
    if (pcm.length >= this.buf.length) {
      this.overflowed += this.len + pcm.length - this.buf.length;
      this.buf.set(pcm.subarray(pcm.length - this.buf.length));
      this.len = this.buf.length;
      return;
    }
    const excess = this.len + pcm.length - this.buf.length;
    if (excess > 0) {
      this.buf.copyWithin(0, excess, this.len);
      this.len -= excess;
      this.overflowed += excess;
    }
    this.buf.set(pcm, this.len);
    this.len += pcm.length;
  }

  /** The oldest `n` samples as a new array, or undefined when fewer are buffered. */
  take(n: number): Int16Array | undefined {
    if (this.len < n) return undefined;
    const out = allocPcm(n);
    out.set(this.buf.subarray(0, n));
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    return out;
  }

  /** `pcm` itself when it is exactly one frame and nothing is queued (the common case). */
  passThrough(pcm: Int16Array, frameSize: number): Int16Array | undefined {
    if (this.len === 0 && pcm.length === frameSize) return pcm;
    this.push(pcm);
    return this.take(frameSize);
  }

  clear(): void {
    this.len = 0;
  }
}
