import type { Logger } from '@rvoip/contracts';
import { silentLogger } from '@rvoip/contracts';
import { DelayEstimator } from './delay-estimator.js';
import { PacketRing } from './packet-ring.js';

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

/**
 * What `pop` plays. A payload given to `push` comes back as that same Buffer; one given to
 * `pushCopy` comes back as a view into the buffer's own storage, valid until the next
 * push, pushCopy or pop (decode it at once, or copy it). `payloadType` is set for packets
 * pushed with one.
 */
export type JitterOutput =
  | { kind: 'frame'; payload: Buffer; timestamp: number; payloadType?: number }
  /**
   * A frame is missing. `next` is the payload of the following packet when it is already
   * buffered, so a codec with in-band FEC can rebuild the lost frame (`decoder.recover`).
   */
  | { kind: 'conceal'; timestamp?: number; next?: Buffer; nextPayloadType?: number }
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
  private readonly packets: PacketRing;
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
    // Room for the capacity bound plus the packets a late start leaves behind it.
    this.packets = new PacketRing(this.capacity() + 8);
  }

  /** Buffers `packet`; its payload is kept by reference until played or discarded. */
  push(packet: JitterPacket): void {
    const ext = this.admit(packet.seq, packet.arrivalMs);
    if (ext < 0) return;
    this.packets.putRef(ext, packet.timestamp, packet.payload, -1);
    this.stored(ext, packet.timestamp, packet.arrivalMs);
  }

  /**
   * Buffers a packet whose payload is `bytes[start, end)`, copied into storage the buffer
   * owns and reuses (no allocation per packet): `bytes` stays the caller's. Its output
   * carries `payloadType`.
   */
  pushCopy(seq: number, timestamp: number, bytes: Uint8Array, start: number, end: number, arrivalMs: number, payloadType: number): void {
    const ext = this.admit(seq, arrivalMs);
    if (ext < 0) return;
    this.packets.putCopy(ext, timestamp, bytes, start, end, payloadType);
    this.stored(ext, timestamp, arrivalMs);
  }

  /** The extended sequence number to store `seq` under, or -1 when it is late or a duplicate. */
  private admit(seq: number, arrivalMs: number): number {
    this.s.received++;
    let ext = this.extend(seq);
    if (this.highest >= 0 && Math.abs(ext - this.highest) > SEQ_RESET_GAP) {
      this.log.debug({ seq, highest: this.highest }, 'jitter buffer: sequence jump, resynchronising');
      this.restart();
      ext = this.extend(seq);
    }
    if (this.playing && ext < this.nextSeq) {
      this.s.late++;
      return -1;
    }
    const occupant = this.packets.occupant(ext);
    if (occupant === ext) {
      this.s.duplicates++;
      return -1;
    }
    if (occupant > ext) {
      // A packet a whole ring older than one still waiting: far too late to matter.
      this.s.overflow++;
      return -1;
    }
    if (occupant >= 0) this.evict(occupant);
    if (ext < this.highest) this.s.reordered++;
    if (this.packets.count === 0 && !this.playing) this.firstArrivalMs = arrivalMs;
    if (this.idle) {
      // A new talkspurt after silence: the pause says nothing about network jitter, so the
      // transit history restarts (the current target is kept until enough new samples).
      this.idle = false;
      this.estimator.reset();
    }
    return ext;
  }

  private stored(ext: number, timestamp: number, arrivalMs: number): void {
    const extTs = this.extendTimestamp(timestamp);
    if (ext > this.highest) {
      if (this.highest >= 0 && ext === this.highest + 1 && this.tsHighest >= 0) this.learnStep(extTs - this.tsHighest);
      this.highest = ext;
      this.tsHighest = extTs;
    }
    this.enforceCapacity();
    this.estimator.observe(arrivalMs, extTs);
    // Keep the initial delay until half a second of packets has been seen.
    if (this.estimator.samples >= MIN_ESTIMATOR_SAMPLES) {
      this.target = clamp(this.estimator.neededDelayMs() + this.frameMs, this.minDelay, this.maxDelay);
    }
  }

  pop(nowMs: number): JitterOutput {
    if (!this.playing) return this.tryStart(nowMs);
    if (this.packets.count === 0) {
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
    if (this.packets.count === 0) return { kind: 'empty' };
    const lowest = this.packets.lowest();
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
    const ring = this.packets;
    if (ring.has(seq)) {
      const timestamp = ring.timestampOf(seq);
      const pt = ring.payloadTypeOf(seq);
      const payload = ring.take(seq)!;
      this.s.played++;
      this.lastPlayedTs = timestamp;
      return pt < 0 ? { kind: 'frame', payload, timestamp } : { kind: 'frame', payload, timestamp, payloadType: pt };
    }
    this.s.lost++;
    this.s.concealed++;
    const ts = this.expectedTs();
    if (ts !== undefined) this.lastPlayedTs = ts;
    const next = ring.peek(this.nextSeq);
    if (!next) return { kind: 'conceal', timestamp: ts };
    const pt = ring.payloadTypeOf(this.nextSeq);
    return pt < 0 ? { kind: 'conceal', timestamp: ts, next } : { kind: 'conceal', timestamp: ts, next, nextPayloadType: pt };
  }

  private capacity(): number {
    return Math.ceil((2 * this.maxDelay) / this.frameMs) + 8;
  }

  /** Drops a buffered packet to make room (ring slot collision or capacity), as overflow. */
  private evict(ext: number): void {
    this.packets.remove(ext);
    this.s.overflow++;
    if (this.playing && ext >= this.nextSeq) this.nextSeq = ext + 1;
  }

  /**
   * Bounds memory when nobody pops (a stalled media loop) or a burst arrives: beyond twice
   * the maximum delay the oldest packets are discarded, counted as overflow.
   */
  private enforceCapacity(): void {
    const capacity = this.capacity();
    while (this.packets.count > capacity) this.evict(this.packets.lowest());
  }

  private discard(seq: number): void {
    if (this.packets.has(seq)) this.lastPlayedTs = this.packets.timestampOf(seq);
    else this.s.lost++;
    this.packets.remove(seq);
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
