/**
 * Two media sessions joined back to back (a B2BUA anchoring media). When both legs
 * negotiated the same codec the RTP payloads are relayed untouched (`RtpRelay`, one per
 * direction) and nothing is decoded unless someone listens (frames(), a recording, in-band
 * DTMF detection); otherwise the audio is decoded on one leg and re-encoded on the other.
 * The mode is re-chosen whenever either leg renegotiates. RFC 4733 key presses cross in
 * both modes: as relayed packets when both legs have telephone-event on the audio clock,
 * else regenerated through the other leg's DTMF path (events or in-band tones).
 */
import { EventEmitter } from 'node:events';
import { Resampler } from '../dsp/resampler.js';
import type { RtpHeaderFields } from '../rtp/rtp-header.js';
import type { RtpSession } from '../rtp/rtp-session.js';
import { samePayloadFormat } from '../sdp/codec-compat.js';
import type { NegotiatedMedia } from '../sdp/offer-answer.js';
import type { DtmfEvent } from './audio-receiver.js';
import type { AudioSender, DtmfSendOptions } from './audio-sender.js';
import { RtpRelay } from './rtp-relay.js';
import type { RelayCounters, RelayMap } from './rtp-relay.js';

export type BridgeMode = 'passthrough' | 'transcode';

/** What a session lends its bridge (built by MediaSession; not for applications). */
export interface BridgeEndpoint {
  readonly rtp: RtpSession;
  readonly sender: AudioSender;
  readonly frameRate: number;
  readonly negotiated: NegotiatedMedia | undefined;
  readonly muted: boolean;
  /** Its direction allows receiving. */
  readonly receiving: boolean;
  /** A recording with a channel for what this session sends is running. */
  readonly recordsOut: boolean;
  recordOut(pcm: Int16Array): void;
  sendDtmf(digits: string, opts: DtmfSendOptions): Promise<void>;
  /** The bridge carried a key press into this session's stream ('dtmf-relayed'). */
  relayedDigit(digit: string): void;
  attach(link: BridgeLink | undefined): void;
}

/** The bridge as one session sees it: what to do with what that session receives. */
export interface BridgeLink {
  readonly bridge: MediaBridge;
  /** Passthrough: received payloads go out on the peer, no decoding needed for it. */
  readonly relaying: boolean;
  /** The peer records what it sends, which is what this session receives, decoded. */
  readonly peerRecordsOut: boolean;
  forward(h: RtpHeaderFields, packet: Buffer, nowMs: number): void;
  digit(e: DtmfEvent): void;
  frame(pcm: Int16Array, nowMs: number): void;
  renegotiated(): void;
}

export interface MediaBridgeStats {
  mode: BridgeMode;
  /** Packets received on the first session and relayed to the second, and back. */
  forward: RelayCounters;
  backward: RelayCounters;
}

const DTMF_MS = 100;

/** How `from`'s received packets map onto `to`'s negotiated payload types; undefined: transcode. */
function relayMap(from: NegotiatedMedia, to: NegotiatedMedia): RelayMap | undefined {
  if (!samePayloadFormat(from.sendCodec, to.sendCodec)) return undefined;
  // Relayed packets keep the sender's packetisation; a leg that asked for another a=ptime
  // gets re-framed audio instead (Opus frames are self-describing, any size decodes).
  if (from.sendCodec.name.toLowerCase() !== 'opus' && (from.remotePtime ?? 20) !== (to.remotePtime ?? 20)) return undefined;
  const audio = new Map<number, number>();
  for (const c of from.codecs) {
    const match = to.codecs.find((d) => samePayloadFormat(c, d));
    if (match) audio.set(c.payloadType, match.payloadType);
  }
  const clockRate = from.sendCodec.clockRate;
  const a = from.telephoneEvent;
  const b = to.telephoneEvent;
  // Events pass as they are only on the audio clock, where one timestamp offset fits both.
  const telephoneEvent = a && b && a.clockRate === clockRate && b.clockRate === clockRate ? { from: a.payloadType, to: b.payloadType } : undefined;
  return { audio, telephoneEvent, clockRate };
}

class Side implements BridgeLink {
  relay: RtpRelay | undefined;
  private map: RelayMap | undefined;
  private resampler: Resampler | undefined;
  readonly counters: RelayCounters[] = [];

  constructor(readonly bridge: MediaBridge, private readonly self: BridgeEndpoint, private readonly peer: BridgeEndpoint) {
    if (self.frameRate !== peer.frameRate) this.resampler = new Resampler(self.frameRate, peer.frameRate);
  }

  get relaying(): boolean {
    return this.relay !== undefined;
  }

  get peerRecordsOut(): boolean {
    return this.peer.recordsOut;
  }

  configure(map: RelayMap | undefined): void {
    if (this.relay) this.counters.push(this.relay.counters);
    this.map = map;
    this.relay = map ? new RtpRelay(this.peer, map) : undefined;
  }

  forward(h: RtpHeaderFields, packet: Buffer, nowMs: number): void {
    if (this.relay && this.self.receiving) this.relay.forward(h, packet, nowMs);
  }

  digit(e: DtmfEvent): void {
    if (e.source !== 'rfc4733') return;
    if (!this.map?.telephoneEvent) {
      void this.peer.sendDtmf(e.digit, { mode: 'auto', durationMs: DTMF_MS }).catch(() => undefined);
    }
    this.peer.relayedDigit(e.digit);
  }

  /** A decoded frame of what `self` received. */
  frame(pcm: Int16Array, nowMs: number): void {
    const peer = this.peer;
    if (this.relay) {
      // The payloads went out already; the peer's recording still wants them as PCM.
      if (peer.recordsOut && !peer.sender.localActive(nowMs)) peer.recordOut(this.resampler ? this.resampler.process(pcm) : pcm);
      return;
    }
    if (!peer.muted) peer.sender.sendFrame(this.resampler ? this.resampler.process(pcm) : pcm, nowMs);
  }

  renegotiated(): void {
    this.bridge.refresh();
  }

  totals(): RelayCounters {
    const all = this.relay ? [...this.counters, this.relay.counters] : this.counters;
    const out: RelayCounters = { relayed: 0, dtmfPackets: 0, droppedUnmapped: 0, droppedLocal: 0, rebases: 0 };
    for (const c of all) for (const k of Object.keys(out) as Array<keyof RelayCounters>) out[k] += c[k];
    return out;
  }
}

export class MediaBridge extends EventEmitter<{ mode: [BridgeMode]; closed: [] }> {
  private readonly first: Side;
  private readonly second: Side;
  private readonly maps = new Map<Side, RelayMap | undefined>();
  private current: BridgeMode = 'transcode';
  private closed = false;

  constructor(private readonly a: BridgeEndpoint, private readonly b: BridgeEndpoint) {
    super();
    this.first = new Side(this, a, b);
    this.second = new Side(this, b, a);
    a.attach(this.first);
    b.attach(this.second);
    this.refresh();
  }

  get mode(): BridgeMode {
    return this.current;
  }

  /** Re-chooses the mode from what both legs negotiated (called after each offer/answer). */
  refresh(): void {
    if (this.closed) return;
    const na = this.a.negotiated;
    const nb = this.b.negotiated;
    const forward = na && nb ? relayMap(na, nb) : undefined;
    const backward = na && nb ? relayMap(nb, na) : undefined;
    const mode: BridgeMode = forward && backward ? 'passthrough' : 'transcode';
    const same = (m: RelayMap | undefined, n: RelayMap | undefined): boolean => JSON.stringify(m && { ...m, audio: [...m.audio] }) === JSON.stringify(n && { ...n, audio: [...n.audio] });
    const changed = mode !== this.current || !same(this.maps.get(this.first), forward) || !same(this.maps.get(this.second), backward);
    if (!changed && this.maps.size > 0) return;
    this.maps.set(this.first, mode === 'passthrough' ? forward : undefined);
    this.maps.set(this.second, mode === 'passthrough' ? backward : undefined);
    this.first.configure(this.maps.get(this.first));
    this.second.configure(this.maps.get(this.second));
    if (mode !== this.current) {
      this.current = mode;
      this.emit('mode', mode);
    }
  }

  stats(): MediaBridgeStats {
    return { mode: this.current, forward: this.first.totals(), backward: this.second.totals() };
  }

  /** Unbridges: both sessions return to their own frame paths (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.first.configure(undefined);
    this.second.configure(undefined);
    this.a.attach(undefined);
    this.b.attach(undefined);
    this.emit('closed');
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
