/**
 * The send half of a media session: PCM frames -> resample -> encode -> RTP, with the
 * RTP timestamp kept in media time (advanced per frame, jumped forward with a marker
 * after a pause) and RFC 4733 DTMF (packets from the DSP layer's DtmfSender) released
 * on the engine's 20 ms tick.
 */
import type { AudioCodec, AudioEncoder } from '../codecs/types.js';
import { frameSamples } from '../codecs/types.js';
import { Resampler } from '../dsp/resampler.js';
import { digitToEvent } from '../dtmf/digits.js';
import { DtmfSender } from '../dtmf/dtmf-sender.js';
import type { DtmfPacket } from '../dtmf/dtmf-sender.js';
import { RTP_HEADER_SIZE } from '../rtp/rtp-header.js';
import type { RtpSession } from '../rtp/rtp-session.js';
import { MediaSessionError } from './errors.js';
import { PcmFifo } from './pcm-fifo.js';

const FRAME_MS = 20;
/** A pause longer than this restarts the talkspurt: timestamp jump plus marker bit. */
const GAP_MS = 3 * FRAME_MS;

export interface DtmfSendOptions {
  /** Tone duration per digit in ms (default 100; 40 minimum per ITU-T Q.24). */
  durationMs?: number;
  /** Silence between digits in ms (default 70). */
  gapMs?: number;
  /** Power level 0..63 in -dBm0 (default 10). */
  volume?: number;
  /**
   * 'rfc4733' events, 'inband' tones in the audio, or 'auto' (default): events when the
   * peer negotiated telephone-event, tones otherwise.
   */
  mode?: 'auto' | 'rfc4733' | 'inband';
}

interface DtmfJob {
  digits: string;
  sender: DtmfSender;
  resolve: () => void;
}

interface ActiveDtmf {
  job: DtmfJob;
  packets: Iterator<DtmfPacket>;
  pending: DtmfPacket | undefined;
  dueAtMs: number;
  lastTimestamp: number;
  lastDuration: number;
}

/** Supplies 20 ms frames at the session rate (WAV playback, tones); undefined = finished. */
export interface FrameSource {
  nextFrame(): Int16Array | undefined;
  onEnd(): void;
}

export class AudioSender {
  private codec: AudioCodec | undefined;
  private payloadType = 0;
  private encoder: AudioEncoder | undefined;
  private resampler: Resampler | undefined;
  /** Codec-rate PCM waiting to fill a packet when the peer's ptime is not 20 ms. */
  private fifo: PcmFifo | undefined;
  private packetSamples = 0;
  private packetTicks = 0;
  private te: { payloadType: number; clockRate: number } | undefined;
  private nextTs: number;
  private lastSendMs = -1;
  /** When this sender last sent audio of its own (not relayed), for `localActive`. */
  private ownSendMs = -1;
  private marker = true;
  private readonly queue: DtmfJob[] = [];
  private active: ActiveDtmf | undefined;
  private source: FrameSource | undefined;
  /** Direction allows sending. */
  enabled = true;
  onSentFrame: ((pcm: Int16Array) => void) | undefined;

  constructor(private readonly rtp: RtpSession, readonly frameRate: number) {
    this.nextTs = (Math.random() * 0x100000000) >>> 0;
  }

  /** `ptimeMs`: the peer's a=ptime; honoured for G.711/G.722 (10..60 ms), Opus stays at 20. */
  configure(codec: AudioCodec, payloadType: number, te: { payloadType: number; clockRate: number } | undefined, ptimeMs?: number): void {
    if (this.codec !== codec) {
      this.encoder?.close?.();
      this.codec = codec;
      this.encoder = codec.createEncoder();
      this.resampler = codec.sampleRate === this.frameRate ? undefined : new Resampler(this.frameRate, codec.sampleRate);
      this.marker = true;
    }
    const packetMs = codec.name !== 'opus' && ptimeMs !== undefined && ptimeMs >= 10 && ptimeMs <= 60 && ptimeMs % 10 === 0 ? ptimeMs : FRAME_MS;
    this.packetSamples = (codec.sampleRate * packetMs) / 1000;
    this.packetTicks = (codec.clockRate * packetMs) / 1000;
    this.fifo = packetMs === FRAME_MS ? undefined : new PcmFifo(codec.sampleRate / 5);
    this.payloadType = payloadType;
    this.te = te;
  }

  get frameSize(): number {
    return (this.frameRate * FRAME_MS) / 1000;
  }

  private get tsStep(): number {
    return ((this.codec?.clockRate ?? 8000) * FRAME_MS) / 1000;
  }

  /** Drops audio waiting for a packet, keeping media time: it still elapsed. */
  private discardPending(): void {
    const fifo = this.fifo;
    if (!fifo || fifo.length === 0 || !this.codec) return;
    this.nextTs = (this.nextTs + Math.round((fifo.length * this.codec.clockRate) / this.codec.sampleRate)) >>> 0;
    fifo.clear();
  }

  /** Encodes and sends one 20 ms frame at `frameRate`; dropped while a DTMF event plays. */
  sendFrame(pcm: Int16Array, nowMs: number): void {
    if (pcm.length !== this.frameSize) {
      throw new MediaSessionError('FRAME_SIZE', `sendFrame expects ${this.frameSize} samples (20 ms at ${this.frameRate} Hz), got ${pcm.length}`);
    }
    const codec = this.codec;
    if (!codec || !this.encoder) return;
    this.onSentFrame?.(pcm);
    if (this.lastSendMs >= 0 && nowMs - this.lastSendMs > GAP_MS) {
      this.discardPending();
      this.nextTs = (this.nextTs + this.tsStep * (Math.round((nowMs - this.lastSendMs) / FRAME_MS) - 1)) >>> 0;
      this.marker = true;
    }
    this.lastSendMs = nowMs;
    this.ownSendMs = nowMs;
    if (this.active || !this.enabled) {
      this.discardPending();
      this.nextTs = (this.nextTs + this.tsStep) >>> 0;
      this.marker = true;
      return;
    }
    const input = this.resampler ? this.resampler.process(pcm) : pcm;
    if (input.length !== frameSamples(codec)) return;
    if (!this.fifo) return this.sendPacket(input);
    this.fifo.push(input);
    for (let chunk = this.fifo.take(this.packetSamples); chunk; chunk = this.fifo.take(this.packetSamples)) this.sendPacket(chunk);
  }

  private sendPacket(pcm: Int16Array): void {
    const enc = this.encoder!;
    if (enc.encodeInto && enc.payloadSize) {
      // Encoded straight behind the header room: one buffer per packet, no copy.
      const packet = Buffer.allocUnsafe(RTP_HEADER_SIZE + enc.payloadSize(pcm.length));
      enc.encodeInto(pcm, packet, RTP_HEADER_SIZE);
      this.rtp.sendBuilt(this.payloadType, packet, this.nextTs, this.marker);
    } else this.rtp.send(this.payloadType, enc.encode(pcm), this.nextTs, this.marker);
    this.marker = false;
    this.nextTs = (this.nextTs + this.packetTicks) >>> 0;
  }

  /**
   * Whether our own audio owns the stream at `nowMs` (DTMF, a playback, or frames sent
   * within the last 60 ms): a bridge relaying into this stream holds back meanwhile.
   */
  localActive(nowMs: number): boolean {
    return this.active !== undefined || this.queue.length > 0 || this.source !== undefined || (this.ownSendMs >= 0 && nowMs - this.ownSendMs <= GAP_MS);
  }

  /** The RTP timestamp a packet sent at `nowMs` takes to continue this stream in media time. */
  timestampAt(nowMs: number): number {
    if (this.lastSendMs < 0 || nowMs - this.lastSendMs <= GAP_MS) return this.nextTs;
    return (this.nextTs + this.tsStep * (Math.round((nowMs - this.lastSendMs) / FRAME_MS) - 1)) >>> 0;
  }

  /** A relayed packet went out at `timestamp` covering `ticks`: our own packets continue after it. */
  followRelayed(timestamp: number, ticks: number, nowMs: number): void {
    this.discardPending();
    this.nextTs = (timestamp + ticks) >>> 0;
    this.lastSendMs = nowMs;
    this.marker = true;
  }

  setSource(source: FrameSource | undefined): void {
    this.source?.onEnd();
    this.source = source;
  }

  /** Queues digits; resolves when the last end packet is out. Bad input sends nothing. */
  sendDtmf(digits: string, opts: DtmfSendOptions = {}): Promise<void> {
    const te = this.te;
    if (!te) return Promise.reject(new MediaSessionError('DTMF_NOT_NEGOTIATED', 'sendDtmf: the peer did not offer telephone-event (RFC 4733) in SDP'));
    let sender: DtmfSender;
    try {
      for (const d of digits) digitToEvent(d);
      sender = new DtmfSender({ clockRate: te.clockRate, durationMs: opts.durationMs, gapMs: opts.gapMs, volume: opts.volume });
    } catch (err) {
      return Promise.reject(err);
    }
    if (digits.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.queue.push({ digits, sender, resolve }));
  }

  /** Called every 20 ms by the engine: advances DTMF and pulls from the frame source. */
  tick(nowMs: number): void {
    if (!this.active && this.queue.length > 0 && this.te && this.enabled) this.startDtmf(this.queue.shift()!, nowMs);
    if (this.active) this.releaseDtmf(nowMs);
    if (this.source) {
      const frame = this.source.nextFrame();
      if (frame) this.sendFrame(frame, nowMs);
      else this.setSource(undefined);
    }
  }

  private startDtmf(job: DtmfJob, nowMs: number): void {
    this.discardPending();
    const packets = job.sender.packets(job.digits, this.nextTs);
    const first = packets.next();
    this.active = { job, packets, pending: first.done ? undefined : first.value, dueAtMs: nowMs, lastTimestamp: this.nextTs, lastDuration: 0 };
  }

  /** Sends every DTMF packet whose time has come (DtmfSender spaces them by delayMs). */
  private releaseDtmf(nowMs: number): void {
    const a = this.active!;
    while (a.pending && nowMs >= a.dueAtMs) {
      const p = a.pending;
      this.rtp.send(this.te!.payloadType, p.payload, p.timestamp, p.marker);
      a.lastTimestamp = p.timestamp;
      a.lastDuration = p.payload.readUInt16BE(2);
      const next = a.packets.next();
      a.pending = next.done ? undefined : next.value;
      if (a.pending) a.dueAtMs += a.pending.delayMs;
    }
    if (a.pending) return;
    // Audio resumes after the last event, as a new talkspurt (marker) in media time.
    this.active = undefined;
    const audioTicks = Math.round((a.lastDuration * (this.codec?.clockRate ?? 8000)) / this.te!.clockRate);
    this.nextTs = (a.lastTimestamp + Math.max(audioTicks, this.tsStep)) >>> 0;
    this.lastSendMs = nowMs;
    this.marker = true;
    a.job.resolve();
  }

  get dtmfPending(): boolean {
    return this.active !== undefined || this.queue.length > 0;
  }

  close(): void {
    this.setSource(undefined);
    this.encoder?.close?.();
    this.encoder = undefined;
    this.active?.job.resolve();
    this.active = undefined;
    for (const job of this.queue) job.resolve();
    this.queue.length = 0;
  }
}
