import type { Logger } from '@rvoip/contracts';
import { silentLogger } from '@rvoip/contracts';
import { DelayEstimator } from './delay-estimator.js';

export interface JitterPacket {
  seq: number;
  timestamp: number;
  payload: Buffer;
  arrivalMs: number;
  /**
   * RTP marker (talkspurt start). Accepted for completeness; talkspurts are recognised
   * from the idle gap before them instead, which still works when the marked packet is lost.
   */
  marker?: boolean;
}

export type JitterOutput =
  | { kind: 'frame'; payload: Buffer; timestamp: number }
  /**
   * A frame is missing. `next` is the payload of the following packet when it is already
   * buffered, so a codec with in-band FEC can rebuild the lost frame (`decoder.recover`).
   */
  | { kind: 'conceal'; timestamp?: number; next?: Buffer }
  | { kind: 'empty' };

export interface JitterBufferOptions {
  /** RTP clock of the stream (8000 for G.711/G.722, 48000 for Opus). */
  clockRate: number;
  /** Packetisation interval; `pop` is expected once per frame. Default 20. */
  frameMs?: number;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Delay before the first packet plays, until jitter has been measured. Default 60. */
  initialDelayMs?: number;
  /** After this long with nothing to play, the stream is idle (DTX, hold): report `empty`. */
  idleAfterMs?: number;
  logger?: Logger;
}

export interface JitterStats {
  received: number;
  played: number;
  late: number;
  lost: number;
  reordered: number;
  duplicates: number;
  /** Frames concealed (losses plus underruns plus stretches). */
  concealed: number;
  /** Frames discarded to shrink the delay (sender clock faster, or jitter subsided). */
  dropped: number;
  /** Frames of concealment inserted to grow the delay (sender clock slower, or jitter rose). */
  stretched: number;
  underruns: number;
  /** Packets discarded because the buffer exceeded twice the maximum delay (always set by JitterBuffer). */
  overflow?: number;
  currentDelayMs: number;
  targetDelayMs: number;
  jitterMs: number;
}

const SEQ_RESET_GAP = 3000;
const MIN_ESTIMATOR_SAMPLES = 25;
/** At most one drop or stretch per this many frames, so adjustments stay inaudible. */
const ADJUST_EVERY_FRAMES = 10;

/**
 * Adaptive jitter buffer. Packets are kept by extended sequence number and played one per
 * `pop` (the receiver's media clock). The target delay follows the measured transit spread;
 * the actual delay is steered towards it by dropping a frame when too much is buffered and
 * inserting a concealment frame when too little is, which also absorbs clock drift between
 * sender and receiver. Time only enters through `arrivalMs`/`nowMs`, so tests are exact.
 */
export class JitterBuffer {
  private readonly packets = new Map<number, JitterPacket>();
  private readonly estimator: DelayEstimator;
  private readonly frameMs: number;
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly idleAfterMs: number;
  private readonly log: Logger;
  private highest = -1;
  private tsHighest = -1;
  private nextSeq = -1;
  private playing = false;
  private firstArrivalMs = 0;
  private lastPlayMs = 0;
  private smoothedDelay = 0;
  private sinceAdjust = 0;
  private idle = false;
  private target: number;
  private tsStep = 0;
  private lastPlayedTs: number | undefined;
  private readonly s = { received: 0, played: 0, late: 0, lost: 0, reordered: 0, duplicates: 0, concealed: 0, dropped: 0, stretched: 0, underruns: 0, overflow: 0 };

  constructor(private readonly opts: JitterBufferOptions) {
    this.frameMs = opts.frameMs ?? 20;
    this.minDelay = opts.minDelayMs ?? 2 * this.frameMs;
    this.maxDelay = opts.maxDelayMs ?? 400;
    this.idleAfterMs = opts.idleAfterMs ?? 200;
    this.target = clamp(opts.initialDelayMs ?? 60, this.minDelay, this.maxDelay);
    this.estimator = new DelayEstimator(opts.clockRate);
    this.log = opts.logger ?? silentLogger;
  }

  push(packet: JitterPacket): void {
    this.s.received++;
    const ext = this.extend(packet.seq);
    if (this.highest >= 0 && Math.abs(ext - this.highest) > SEQ_RESET_GAP) {
      this.log.debug({ seq: packet.seq, highest: this.highest }, 'jitter buffer: sequence jump, resynchronising');
      this.restart();
      return this.push(packet);
    }
    if (this.playing && ext < this.nextSeq) {
      this.s.late++;
      return;
    }
    if (this.packets.has(ext)) {
      this.s.duplicates++;
      return;
    }
    if (ext < this.highest) this.s.reordered++;
    if (this.packets.size === 0 && !this.playing) this.firstArrivalMs = packet.arrivalMs;
    if (this.idle) {
      // A new talkspurt after silence: the pause says nothing about network jitter, so the
      // transit history restarts (the current target is kept until enough new samples).
      this.idle = false;
      this.estimator.reset();
    }
    this.packets.set(ext, packet);
    const extTs = this.extendTimestamp(packet.timestamp);
    if (ext > this.highest) {
      if (this.highest >= 0 && ext === this.highest + 1 && this.tsHighest >= 0) this.learnStep(extTs - this.tsHighest);
      this.highest = ext;
      this.tsHighest = extTs;
    }
    this.enforceCapacity();
    this.estimator.observe(packet.arrivalMs, extTs);
    // Keep the initial delay until half a second of packets has been seen.
    if (this.estimator.samples >= MIN_ESTIMATOR_SAMPLES) {
      this.target = clamp(this.estimator.neededDelayMs() + this.frameMs, this.minDelay, this.maxDelay);
    }
  }

  pop(nowMs: number): JitterOutput {
    if (!this.playing) return this.tryStart(nowMs);
    if (this.packets.size === 0) {
      if (nowMs - this.lastPlayMs >= this.idleAfterMs) {
        this.playing = false;
        this.idle = true;
        return { kind: 'empty' };
      }
      // Nothing buffered yet the stream is live: a late packet, or the sender's clock is
      // slower. Conceal without advancing, which is the "stretch" that raises the delay.
      this.s.underruns++;
      this.s.concealed++;
      return { kind: 'conceal', timestamp: this.expectedTs() };
    }
    this.lastPlayMs = nowMs;
    const buffered = this.bufferedMs();
    this.smoothedDelay += (buffered - this.smoothedDelay) / 8;
    this.sinceAdjust++;
    const mayAdjust = this.sinceAdjust >= ADJUST_EVERY_FRAMES;
    if (mayAdjust && this.smoothedDelay > this.target + 2 * this.frameMs && buffered >= this.frameMs) {
      this.sinceAdjust = 0;
      // Too much queued: drop the oldest frame so latency comes back to the target.
      this.s.dropped++;
      this.discard(this.nextSeq);
      this.nextSeq++;
      this.smoothedDelay -= this.frameMs;
    } else if (mayAdjust && this.smoothedDelay < this.target - 2 * this.frameMs && this.packets.has(this.nextSeq)) {
      this.sinceAdjust = 0;
      this.s.stretched++;
      this.s.concealed++;
      this.smoothedDelay += this.frameMs;
      return { kind: 'conceal', timestamp: this.expectedTs() };
    }
    return this.playNext();
  }

  /** Same as `stats.currentDelayMs`, without building the stats object (read every tick). */
  get currentDelayMs(): number {
    return this.playing ? this.bufferedMs() : 0;
  }

  get stats(): JitterStats {
    return {
      ...this.s,
      currentDelayMs: this.playing ? this.bufferedMs() : 0,
      targetDelayMs: this.target,
      jitterMs: this.estimator.jitterMs,
    };
  }

  /** Forgets everything (new SSRC, re-INVITE with a new stream). */
  reset(): void {
    this.restart();
    this.estimator.reset();
  }

  private tryStart(nowMs: number): JitterOutput {
    if (this.packets.size === 0) return { kind: 'empty' };
    const lowest = Math.min(...this.packets.keys());
    const spanMs = (this.highest - lowest + 1) * this.frameMs;
    if (nowMs - this.firstArrivalMs < this.target && spanMs < this.target + this.frameMs) return { kind: 'empty' };
    this.playing = true;
    this.nextSeq = lowest;
    this.smoothedDelay = spanMs - this.frameMs;
    this.lastPlayMs = nowMs;
    return this.playNext();
  }

  private playNext(): JitterOutput {
    const seq = this.nextSeq;
    this.nextSeq++;
    const packet = this.packets.get(seq);
    if (packet) {
      this.packets.delete(seq);
      this.s.played++;
      this.lastPlayedTs = packet.timestamp;
      return { kind: 'frame', payload: packet.payload, timestamp: packet.timestamp };
    }
    this.s.lost++;
    this.s.concealed++;
    const ts = this.expectedTs();
    if (ts !== undefined) this.lastPlayedTs = ts;
    const following = this.packets.get(this.nextSeq);
    return following ? { kind: 'conceal', timestamp: ts, next: following.payload } : { kind: 'conceal', timestamp: ts };
  }

  /**
   * Bounds memory when nobody pops (a stalled media loop) or a burst arrives: beyond twice
   * the maximum delay the oldest packets are discarded, counted as overflow.
   */
  private enforceCapacity(): void {
    const capacity = Math.ceil((2 * this.maxDelay) / this.frameMs) + 8;
    while (this.packets.size > capacity) {
      const oldest = Math.min(...this.packets.keys());
      this.packets.delete(oldest);
      this.s.overflow++;
      if (this.playing && oldest >= this.nextSeq) this.nextSeq = oldest + 1;
    }
  }

  private discard(seq: number): void {
    const p = this.packets.get(seq);
    if (p) this.lastPlayedTs = p.timestamp;
    else this.s.lost++;
    this.packets.delete(seq);
  }

  private expectedTs(): number | undefined {
    if (this.lastPlayedTs === undefined || this.tsStep === 0) return undefined;
    return (this.lastPlayedTs + this.tsStep) >>> 0;
  }

  /** Queueing delay of the frame about to play: the media buffered behind it. */
  private bufferedMs(): number {
    return Math.max(0, this.highest - this.nextSeq) * this.frameMs;
  }

  private learnStep(step: number): void {
    if (step > 0 && step < this.opts.clockRate) this.tsStep = step;
  }

  private extend(seq: number): number {
    if (this.highest < 0) return seq + 65536; // headroom so early reordering stays positive
    const delta = ((((seq - (this.highest & 0xffff)) % 65536) + 98304) % 65536) - 32768;
    return this.highest + delta;
  }

  private extendTimestamp(ts: number): number {
    if (this.tsHighest < 0) return ts;
    const ref = this.tsHighest % 4294967296;
    let delta = ts - ref;
    if (delta > 2147483648) delta -= 4294967296;
    else if (delta < -2147483648) delta += 4294967296;
    return this.tsHighest + delta;
  }

  private restart(): void {
    this.packets.clear();
    this.highest = -1;
    this.tsHighest = -1;
    this.nextSeq = -1;
    this.playing = false;
    this.lastPlayedTs = undefined;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
