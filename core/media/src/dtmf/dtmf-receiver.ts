import { eventToDigit } from './digits.js';
import { Rfc4733Decoder } from './rfc4733.js';

export interface ReceivedDigit {
  digit: string;
  event: number;
  /** RTP timestamp of the event start: identifies the key press. */
  timestamp: number;
  volume: number;
}

export interface EndedDigit extends ReceivedDigit {
  /** Final duration in RTP timestamp units. */
  duration: number;
  durationMs: number;
  /**
   * True when an E-bit packet ended the press; false when all three were lost and the press
   * was closed by the next key press or by `flush()` (duration is then the last reported).
   */
  endSeen: boolean;
}

export interface DtmfReceiverOptions {
  clockRate?: number;
  /** Called once per key press, on the first packet seen of it (start, update or end). */
  onDigit?: (d: ReceivedDigit) => void;
  /**
   * Called once per key press when it ends: at its first E-bit packet, or, if every end
   * packet was lost, when the next press starts or `flush()` is called.
   */
  onEnd?: (d: EndedDigit) => void;
}

const REMEMBERED = 64;

interface PressState {
  digit: ReceivedDigit;
  ended: boolean;
  /** Largest duration seen for this segment. */
  duration: number;
  /** Duration of earlier segments of the same long event. */
  base: number;
}

/**
 * Receives RFC 4733 packets and reports each key press exactly once. A key press is
 * identified by its RTP timestamp (every packet of an event carries the event's start),
 * so retransmitted end packets, duplicated or reordered updates, and a lost first packet
 * all map to the same press; two presses of the same key have different timestamps.
 * Events beyond 0-15 (e.g. flash, 16) are passed through with `digit` set to their code.
 */
export class DtmfReceiver {
  private readonly clockRate: number;
  private readonly seen = new Map<string, PressState>();
  private lastSeq: number | undefined;

  constructor(private readonly opts: DtmfReceiverOptions = {}) {
    this.clockRate = opts.clockRate ?? 8000;
  }

  /** Returns the digit when this packet reveals a new key press, else undefined. */
  feed(payload: Buffer, timestamp: number, seq?: number): ReceivedDigit | undefined {
    if (seq !== undefined) this.lastSeq = seq;
    const ev = Rfc4733Decoder.decode(payload);
    const key = `${timestamp >>> 0}:${ev.event}`;
    const digit: ReceivedDigit = { digit: eventToDigit(ev.event) ?? String(ev.event), event: ev.event, timestamp: timestamp >>> 0, volume: ev.volume };
    let state = this.seen.get(key);
    let fresh: ReceivedDigit | undefined;
    const previous = state ? undefined : this.longEventBefore(ev.event, timestamp >>> 0);
    if (previous) {
      // RFC 4733 2.5.2.3: an event longer than the 16-bit duration is sent as segments, each
      // with a new timestamp; a segment is the same key press, not a new digit.
      state = { digit: previous.digit, ended: false, duration: 0, base: previous.base + 0xffff };
      previous.ended = true; // superseded by this segment; the press ends with the last one
      this.remember(key, state);
    }
    if (!state) {
      this.closeOpenPresses();
      state = { digit, ended: false, duration: 0, base: 0 };
      this.remember(key, state);
      fresh = digit;
      this.opts.onDigit?.(digit);
    }
    state.duration = Math.max(state.duration, ev.duration);
    if (ev.end && !state.ended) this.end(state, true);
    return fresh;
  }

  /** RTP sequence number of the last packet fed (for callers correlating with RTP stats). */
  get lastSequence(): number | undefined {
    return this.lastSeq;
  }

  /** Ends presses whose end packets never came (call this when the stream stops). */
  flush(): void {
    this.closeOpenPresses();
  }

  reset(): void {
    this.seen.clear();
    this.lastSeq = undefined;
  }

  private end(state: PressState, endSeen: boolean): void {
    state.ended = true;
    const total = state.base + state.duration;
    this.opts.onEnd?.({ ...state.digit, duration: total, durationMs: (total * 1000) / this.clockRate, endSeen });
  }

  /** A new press means any press still open lost all its end packets. */
  private closeOpenPresses(): void {
    for (const st of this.seen.values()) if (!st.ended) this.end(st, false);
  }

  private longEventBefore(event: number, timestamp: number): PressState | undefined {
    for (const [key, st] of this.seen) {
      const [ts, ev] = key.split(':').map(Number);
      if (ev === event && !st.ended && st.duration === 0xffff && ((ts + 0xffff) >>> 0) === timestamp) return st;
    }
    return undefined;
  }

  private remember(key: string, state: PressState): void {
    this.seen.set(key, state);
    if (this.seen.size > REMEMBERED) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}
