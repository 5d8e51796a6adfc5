/**
 * The receive half of a media session: RTP payloads -> jitter buffer -> decode (or
 * conceal) -> resample to the session rate, one 20 ms frame per engine tick; RFC 4733
 * events go to the DTMF decoder instead, and optionally the audio to a Goertzel detector.
 */
import type { AudioCodec, AudioDecoder } from '../codecs/types.js';
import { Resampler } from '../dsp/resampler.js';
import { DtmfDetector } from '../dtmf/dtmf-detector.js';
import { DtmfReceiver } from '../dtmf/dtmf-receiver.js';
import { JitterBuffer } from '../jitter/jitter-buffer.js';
import type { JitterStats } from '../jitter/jitter-buffer.js';
import type { RtpHeaderFields } from '../rtp/rtp-header.js';
import { PcmFifo } from './pcm-fifo.js';

export type { JitterStats };

export interface DtmfEvent {
  digit: string;
  /** Key press length: set on 'dtmf-end' (RFC 4733 end packet), not on 'dtmf'. */
  durationMs?: number;
  source: 'rfc4733' | 'inband';
}

interface DecoderSlot {
  codec: AudioCodec;
  decoder: AudioDecoder;
  resampler: Resampler | undefined;
}

export interface AudioReceiverOptions {
  minDelayMs?: number;
  maxDelayMs?: number;
  detectInbandDtmf: boolean;
}

const EMPTY_STATS: JitterStats = { received: 0, played: 0, late: 0, lost: 0, reordered: 0, duplicates: 0, concealed: 0, dropped: 0, stretched: 0, underruns: 0, currentDelayMs: 0, targetDelayMs: 0, jitterMs: 0 };

export class AudioReceiver {
  private readonly slots = new Map<number, DecoderSlot>();
  private primaryPt = -1;
  /** The primary codec's slot: nearly every packet is it, so no Map lookup for those. */
  private primary: DecoderSlot | undefined;
  private jitter: JitterBuffer | undefined;
  private jitterClock = 0;
  /** The peer's packetisation (its a=ptime), which the jitter buffer counts in. */
  private packetMs = 20;
  private readonly frameSize: number;
  private readonly fifo: PcmFifo;
  private readonly loopbackFifo: PcmFifo;
  private te: { payloadType: number; clockRate: number } | undefined;
  private dtmf: DtmfReceiver | undefined;
  private inband: { detector: DtmfDetector; resampler: Resampler | undefined } | undefined;
  /** Direction allows receiving. */
  enabled = true;
  /** False while a passthrough bridge relays the payloads and nobody listens to the PCM. */
  private decoding = true;
  unknownPayloadTypes = 0;
  onDtmf: ((e: DtmfEvent) => void) | undefined;
  onDtmfEnd: ((e: DtmfEvent) => void) | undefined;
  /** Loopback: every decoded packet, at the session rate, bypassing the jitter buffer. */
  onDecoded: ((pcm: Int16Array) => void) | undefined;

  constructor(readonly frameRate: number, private readonly opts: AudioReceiverOptions) {
    this.frameSize = frameRate / 50;
    // 200 ms: more than the largest packet (60 ms) plus a frame.
    this.fifo = new PcmFifo(frameRate / 5);
    this.loopbackFifo = new PcmFifo(frameRate / 5);
  }

  configure(codecs: Array<{ codec: AudioCodec; payloadType: number }>, te: { payloadType: number; clockRate: number } | undefined, remotePtimeMs?: number): void {
    const keep = new Map<number, DecoderSlot>();
    for (const { codec, payloadType } of codecs) {
      const old = this.slots.get(payloadType);
      keep.set(payloadType, old && old.codec === codec ? old : { codec, decoder: codec.createDecoder(), resampler: codec.sampleRate === this.frameRate ? undefined : new Resampler(codec.sampleRate, this.frameRate) });
    }
    for (const [pt, slot] of this.slots) if (keep.get(pt) !== slot) slot.decoder.close?.();
    this.slots.clear();
    for (const [pt, slot] of keep) this.slots.set(pt, slot);
    this.primaryPt = codecs[0]?.payloadType ?? -1;
    this.primary = this.slots.get(this.primaryPt);
    const clock = codecs[0]?.codec.clockRate ?? 8000;
    const packetMs = remotePtimeMs !== undefined && remotePtimeMs >= 10 && remotePtimeMs <= 60 && remotePtimeMs % 10 === 0 ? remotePtimeMs : 20;
    if (!this.jitter || this.jitterClock !== clock || this.packetMs !== packetMs) {
      this.jitter = new JitterBuffer({ clockRate: clock, frameMs: packetMs, minDelayMs: this.opts.minDelayMs, maxDelayMs: this.opts.maxDelayMs });
      this.jitterClock = clock;
      this.packetMs = packetMs;
      this.fifo.clear();
    }
    // One report per key press on the first packet seen of it (so losing every end packet
    // still delivers the digit), one more when its end is seen; duplicates, reordering and
    // retransmitted ends map to the same press by RTP timestamp.
    if (te && (!this.te || this.te.clockRate !== te.clockRate)) {
      this.dtmf = new DtmfReceiver({
        clockRate: te.clockRate,
        onDigit: (d) => this.onDtmf?.({ digit: d.digit, source: 'rfc4733' }),
        onEnd: (d) => this.onDtmfEnd?.({ digit: d.digit, durationMs: d.durationMs, source: 'rfc4733' }),
      });
    }
    this.te = te;
    if (this.opts.detectInbandDtmf && !this.inband) {
      // The Goertzel detector works on 8 kHz blocks.
      this.inband = { detector: new DtmfDetector({ onDigit: (digit) => this.onDtmf?.({ digit, source: 'inband' }) }), resampler: this.frameRate === 8000 ? undefined : new Resampler(this.frameRate, 8000) };
    }
  }

  /**
   * RTP handler: `packet` is owned by us, `h` is reused by the caller. Nothing here keeps
   * the datagram: a payload waiting for playout is copied into the jitter buffer's own
   * storage, so the datagram and its backing store die young.
   */
  onPacket(h: RtpHeaderFields, packet: Buffer, arrivalMs: number): void {
    if (!this.enabled) return;
    const pt = h.payloadType;
    if (this.te && pt === this.te.payloadType) {
      if (h.payloadEnd - h.payloadOffset >= 4) this.dtmf?.feed(packet.subarray(h.payloadOffset, h.payloadEnd), h.timestamp, h.sequenceNumber);
      return;
    }
    const slot = pt === this.primaryPt ? this.primary : this.slots.get(pt);
    if (!slot) {
      this.unknownPayloadTypes++;
      return;
    }
    if (!this.decoding) return;
    if (this.onDecoded) {
      const pcm = this.toFrameRate(slot, slot.decoder.decode(packet.subarray(h.payloadOffset, h.payloadEnd)));
      // Usually one packet is one frame: no re-framing copy.
      if (this.loopbackFifo.length === 0 && pcm.length === this.frameSize) return this.onDecoded(pcm);
      this.loopbackFifo.push(pcm);
      for (let f = this.loopbackFifo.take(this.frameSize); f; f = this.loopbackFifo.take(this.frameSize)) this.onDecoded(f);
      return;
    }
    this.jitter!.pushCopy(h.sequenceNumber, h.timestamp, packet, h.payloadOffset, h.payloadEnd, arrivalMs, pt);
  }

  private toFrameRate(slot: DecoderSlot, pcm: Int16Array): Int16Array {
    return slot.resampler ? slot.resampler.process(pcm) : pcm;
  }

  /**
   * One 20 ms frame of received audio, or undefined before the stream starts / when idle.
   * Packets are pulled from the jitter buffer as the FIFO needs them: one per tick at
   * ptime 20, two per three ticks at ptime 30, two per tick at ptime 10.
   */
  tick(nowMs: number): Int16Array | undefined {
    const jb = this.jitter;
    if (!jb || !this.enabled) return undefined;
    while (this.fifo.length < this.frameSize) {
      const pcm = this.pull(jb, nowMs);
      if (!pcm) return undefined;
      if (this.fifo.length === 0 && pcm.length === this.frameSize) return pcm;
      this.fifo.push(pcm);
    }
    return this.fifo.take(this.frameSize);
  }

  /** The next packet's audio at the session rate: decoded, FEC-recovered or concealed. */
  private pull(jb: JitterBuffer, nowMs: number): Int16Array | undefined {
    const out = jb.pop(nowMs);
    if (out.kind === 'empty') return undefined;
    if (out.kind === 'frame') {
      // The payload is a view into the jitter buffer's storage: decoded here, before the next push.
      const slot = out.payloadType === undefined || out.payloadType === this.primaryPt ? this.primary : this.slots.get(out.payloadType);
      if (!slot) return undefined;
      const pcm = this.toFrameRate(slot, slot.decoder.decode(out.payload));
      // Only real audio feeds the detector: concealment repeats tone fragments.
      if (this.inband) this.inband.detector.feed(this.inband.resampler ? this.inband.resampler.process(pcm) : pcm);
      return pcm;
    }
    const slot = this.primary;
    if (!slot) return undefined;
    const samples = Math.round((slot.codec.sampleRate * this.packetMs) / 1000);
    // Opus in-band FEC: the next packet, when already here, rebuilds the lost frame.
    const next = out.next;
    const fec = next && slot.decoder.recover && (out.nextPayloadType === undefined || out.nextPayloadType === this.primaryPt);
    const pcm = fec ? slot.decoder.recover!(next, samples) : slot.decoder.conceal(samples);
    return this.toFrameRate(slot, pcm);
  }

  /**
   * Turns audio decoding off (payloads only counted: the bridge relays them) or back on,
   * starting from a fresh jitter buffer so the pause does not read as loss.
   */
  setDecoding(on: boolean): void {
    if (on === this.decoding) return;
    this.decoding = on;
    this.jitter?.reset();
    this.fifo.clear();
  }

  get playoutDelayMs(): number {
    return this.jitter?.currentDelayMs ?? 0;
  }

  jitterStats(): JitterStats {
    return this.jitter?.stats ?? EMPTY_STATS;
  }

  /** New SSRC: the old stream's buffered audio and decoder state are meaningless now. */
  reset(): void {
    this.jitter?.reset();
    this.fifo.clear();
    this.dtmf?.reset();
    this.inband?.detector.reset();
  }

  close(): void {
    for (const slot of this.slots.values()) slot.decoder.close?.();
    this.slots.clear();
    this.primary = undefined;
  }
}
