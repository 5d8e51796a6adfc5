/**
 * One direction of a passthrough bridge: RTP payloads received on one session go out on
 * the other untouched, under the other session's SSRC and sequence numbers, with the
 * payload type remapped to the number that leg negotiated and the timestamp moved by a
 * per-direction offset (so the outgoing stream stays one continuous media clock across
 * relayed audio, our own prompts/DTMF in between, and the source changing its SSRC).
 * Marker bits pass through; a re-base (start, new source SSRC, our own audio in between)
 * sets one, as a new talkspurt.
 */
import type { RtpHeaderFields } from '../rtp/rtp-header.js';
import type { RtpSession } from '../rtp/rtp-session.js';
import type { AudioSender } from './audio-sender.js';

/** What the relay needs of the session it sends on. */
export interface RelayTarget {
  readonly rtp: RtpSession;
  readonly sender: AudioSender;
  readonly muted: boolean;
}

export interface RelayCounters {
  /** Audio packets relayed. */
  relayed: number;
  /** RFC 4733 packets relayed with a remapped payload type. */
  dtmfPackets: number;
  /** Packets whose codec the other leg did not negotiate. */
  droppedUnmapped: number;
  /** Packets held back: the other leg muted, not sending, or playing its own audio. */
  droppedLocal: number;
  /** Timestamp offset recomputed (start, source SSRC change, own audio in between). */
  rebases: number;
}

export interface RelayMap {
  /** Received audio PT -> PT the other leg negotiated for the same codec. */
  audio: ReadonlyMap<number, number>;
  /** Received telephone-event PT -> the other leg's, when events can pass as they are. */
  telephoneEvent: { from: number; to: number } | undefined;
  /** RTP clock of the relayed stream (the same on both legs). */
  clockRate: number;
}

const EMPTY = 0x100000000;

export class RtpRelay {
  readonly counters: RelayCounters = { relayed: 0, dtmfPackets: 0, droppedUnmapped: 0, droppedLocal: 0, rebases: 0 };
  private based = false;
  private offset = 0;
  private sourceSsrc = -1;
  /** The target's packetsSent after our last send: anything else sending moves it. */
  private expectedSent = -1;
  private lastInSeq = -1;
  private lastInTs = 0;
  private lastOutTs = EMPTY;
  private ticks: number;

  constructor(private readonly to: RelayTarget, private readonly map: RelayMap) {
    this.ticks = map.clockRate / 50;
  }

  /** Relays one received packet (header rewritten in place when possible; `packet` is ours). */
  forward(h: RtpHeaderFields, packet: Buffer, nowMs: number): void {
    const te = this.map.telephoneEvent;
    const isEvent = te !== undefined && h.payloadType === te.from;
    const pt = isEvent ? te.to : this.map.audio.get(h.payloadType);
    if (pt === undefined) {
      // An event the other leg cannot take as is comes out of the DTMF path instead.
      if (!isEvent) this.counters.droppedUnmapped++;
      return;
    }
    const to = this.to;
    if (to.muted || !to.sender.enabled || to.sender.localActive(nowMs)) {
      this.counters.droppedLocal++;
      this.based = false;
      return;
    }
    let marker = h.marker;
    if (!this.based || h.ssrc !== this.sourceSsrc || to.rtp.counters.packetsSent !== this.expectedSent) {
      this.offset = (to.sender.timestampAt(nowMs) - h.timestamp) >>> 0;
      this.based = true;
      this.sourceSsrc = h.ssrc;
      this.lastInSeq = -1;
      this.counters.rebases++;
      if (!isEvent) marker = true;
    }
    const ts = (h.timestamp + this.offset) >>> 0;
    to.rtp.relay(packet, h, pt, ts, marker);
    this.expectedSent = to.rtp.counters.packetsSent;
    if (isEvent) {
      this.counters.dtmfPackets++;
      return;
    }
    this.counters.relayed++;
    // Packet duration from the source's own spacing (its ptime), for where our audio resumes.
    if (this.lastInSeq >= 0 && h.sequenceNumber === ((this.lastInSeq + 1) & 0xffff)) {
      const d = (h.timestamp - this.lastInTs) >>> 0;
      if (d > 0 && d <= (this.map.clockRate * 60) / 1000) this.ticks = d;
    }
    this.lastInSeq = h.sequenceNumber;
    this.lastInTs = h.timestamp;
    // Only the newest media time moves the sender's clock (reordered packets do not).
    if (this.lastOutTs === EMPTY || ((ts - this.lastOutTs) | 0) > 0) {
      this.lastOutTs = ts;
      to.sender.followRelayed(ts, this.ticks, nowMs);
    }
  }
}
