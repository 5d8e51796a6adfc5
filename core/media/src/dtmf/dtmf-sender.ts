import { RvoipError } from '@rvoip/contracts';
import { digitToEvent } from './digits.js';
import { Rfc4733Encoder } from './rfc4733.js';

export interface DtmfSenderOptions {
  /** telephone-event RTP clock (8000 unless negotiated otherwise). */
  clockRate?: number;
  /** Tone length per digit. Default 100 ms (ITU-T Q.24 asks at least 40 ms). */
  durationMs?: number;
  /** Silence between digits. Default 70 ms. */
  gapMs?: number;
  /** Interval between duration updates. Default 50 ms (RFC 4733 section 2.5.1.2). */
  updateMs?: number;
  /** -dBm0, default 10. */
  volume?: number;
  /** Copies of the final (E bit) packet, default 3 (section 2.5.1.4). */
  endRepeats?: number;
}

export interface DtmfPacket {
  digit: string;
  payload: Buffer;
  /** RTP timestamp: the event's start, offset from the `startTimestamp` given to `packets`. */
  timestamp: number;
  /** Set on the first packet of each event (section 2.5.1.3). */
  marker: boolean;
  /** Wait this long after the previous packet before sending this one. */
  delayMs: number;
  end: boolean;
}

/**
 * Turns a digit string into the timed packet sequence the RTP layer sends: for each digit,
 * a first packet (marker set) at the tone start, updates every `updateMs` with the duration
 * so far (including the interval the packet covers), then the final packet with the E bit,
 * sent `endRepeats` times at the update interval with identical timestamp and duration.
 */
export class DtmfSender {
  private readonly clockRate: number;
  private readonly durationMs: number;
  private readonly gapMs: number;
  private readonly updateMs: number;
  private readonly volume: number;
  private readonly endRepeats: number;

  constructor(opts: DtmfSenderOptions = {}) {
    this.clockRate = opts.clockRate ?? 8000;
    this.durationMs = opts.durationMs ?? 100;
    this.gapMs = opts.gapMs ?? 70;
    this.updateMs = opts.updateMs ?? 50;
    this.volume = opts.volume ?? 10;
    this.endRepeats = opts.endRepeats ?? 3;
    if (this.durationMs < 40 || (this.durationMs * this.clockRate) / 1000 > 0xffff) {
      throw new RvoipError('RVOIP_ERR_MEDIA_DTMF_DURATION', `DTMF tone duration must be 40 ms .. ${Math.floor((0xffff * 1000) / this.clockRate)} ms, got ${this.durationMs}`);
    }
    if (this.updateMs <= 0 || this.endRepeats < 1) {
      throw new RvoipError('RVOIP_ERR_MEDIA_DTMF_TIMING', `DTMF updateMs must be > 0 and endRepeats >= 1 (got ${this.updateMs}, ${this.endRepeats})`);
    }
  }

  /** Validates every digit up front so a bad string sends nothing. */
  *packets(digits: string, startTimestamp = 0): Generator<DtmfPacket> {
    const events = [...digits].map((d) => ({ digit: d, event: digitToEvent(d) }));
    const samplesPerMs = this.clockRate / 1000;
    const total = Math.round(this.durationMs * samplesPerMs);
    let clockMs = 0; // media time of the next event start, relative to the first
    let lastSendMs = 0;
    for (const { digit, event } of events) {
      const timestamp = (startTimestamp + Math.round(clockMs * samplesPerMs)) >>> 0;
      const sends: Array<{ atMs: number; duration: number; end: boolean }> = [];
      for (let t = 0; t < this.durationMs; t += this.updateMs) {
        sends.push({ atMs: clockMs + t, duration: Math.min(total, Math.round((t + this.updateMs) * samplesPerMs)), end: false });
      }
      for (let r = 0; r < this.endRepeats; r++) sends.push({ atMs: clockMs + this.durationMs + r * this.updateMs, duration: total, end: true });
      for (let i = 0; i < sends.length; i++) {
        const s = sends[i];
        const delayMs = Math.max(0, s.atMs - lastSendMs);
        lastSendMs = Math.max(lastSendMs, s.atMs);
        yield {
          digit,
          payload: Rfc4733Encoder.encode({ event, end: s.end, volume: this.volume, duration: s.duration }),
          timestamp,
          marker: i === 0,
          delayMs,
          end: s.end,
        };
      }
      // The next tone starts after the last retransmission and the inter-digit gap.
      clockMs = Math.max(clockMs + this.durationMs + this.gapMs, lastSendMs + this.updateMs);
    }
  }

  /** Milliseconds from the first packet of a digit string to its last, for schedulers. */
  durationOf(digits: string): number {
    let ms = 0;
    for (const p of this.packets(digits)) ms += p.delayMs;
    return ms;
  }
}
