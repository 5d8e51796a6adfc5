/**
 * One call's media, as the signalling layer sees it: SDP strings in and out, PCM frames
 * in and out, DTMF, stats, recording. A thin facade: SDP work is in ./sdp, packets in
 * ./rtp, security in ./srtp, and the per-direction audio paths in ./engine.
 */
import { EventEmitter } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AudioCodec } from './codecs/types.js';
import { AudioReceiver } from './engine/audio-receiver.js';
import { AudioSender } from './engine/audio-sender.js';
import type { DtmfSendOptions } from './engine/audio-sender.js';
import { MediaSessionError } from './engine/errors.js';
import { FrameQueue } from './engine/frame-queue.js';
import { MediaBridge } from './engine/media-bridge.js';
import type { BridgeEndpoint, BridgeLink } from './engine/media-bridge.js';
import { Playback } from './engine/playback.js';
import type { ToneSpec } from './dsp/tone-generator.js';
import { Recorder } from './engine/recorder.js';
import type { RecordingDirection } from './engine/recorder.js';
import type { MediaEngine } from './media-engine.js';
import type { PortPair } from './rtp/port-allocator.js';
import { RtpSession } from './rtp/rtp-session.js';
import type { SdpCodecSpec } from './sdp/codec-match.js';
import type { LocalMediaDescription, NegotiatedMedia, SrtpMode } from './sdp/offer-answer.js';
import { applyAnswerSdp, createAnswerSdp, createOfferCrypto, createOfferSdp } from './sdp/offer-answer.js';
import type { SdpDirection, SdpSession } from './sdp/model.js';
import type { FrameRate, MediaSessionEvents, MediaSessionOptions, MediaSessionStats } from './media-session-types.js';
import { SdpError } from './sdp/model.js';
import { parseSdp } from './sdp/parser.js';
import { serializeSdp } from './sdp/serializer.js';
import type { SdesCrypto, SrtpSuite } from './srtp/sdes.js';
import { SrtpTransform } from './srtp/srtp-transform.js';

export type { FrameRate, MediaSessionEvents, MediaSessionOptions, MediaSessionStats } from './media-session-types.js';

const CANONICAL: Record<string, string> = { pcmu: 'PCMU', pcma: 'PCMA', g722: 'G722', opus: 'opus' };
const DEFAULT_SUITES: SrtpSuite[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];

export class MediaSession extends EventEmitter<MediaSessionEvents> {
  readonly id = randomUUID();
  readonly rtp: RtpSession;
  readonly frameRate: FrameRate;
  private readonly sender: AudioSender;
  private readonly receiver: AudioReceiver;
  /** One queue per live `frames()` iteration; frames fan out to all of them. */
  private readonly consumers = new Set<FrameQueue>();
  /** onFrame listeners; replaced, never mutated, so a tick can walk it while one leaves. */
  private frameListeners: ReadonlyArray<(pcm: Int16Array) => void> = [];
  private framesDropped = 0;
  private readonly codecs: AudioCodec[];
  private readonly sdpCodecs: SdpCodecSpec[];
  private readonly srtpConfig: { mode: SrtpMode; suites: SrtpSuite[]; answerKey?: SdesCrypto };
  private srtpKeyId: string | undefined;
  private localDirection: SdpDirection;
  private legacyHold = false;
  private readonly sdpSessionId = String(randomBytes(4).readUInt32BE(0));
  private sdpVersion = 0;
  private pendingOffer: { sdp: SdpSession; crypto: SdesCrypto[] } | undefined;
  private offerCrypto: SdesCrypto[] | undefined;
  private current: NegotiatedMedia | undefined;
  private recorder: Recorder | undefined;
  private closing: Promise<void> | undefined;
  private link: BridgeLink | undefined;
  /** While true no audio leaves through sendFrame or a bridge (DTMF still does). */
  muted = false;

  constructor(private readonly engine: MediaEngine, pair: PortPair, private readonly opts: MediaSessionOptions) {
    super();
    this.frameRate = opts.frameRate ?? 8000;
    if (![8000, 16000, 48000].includes(this.frameRate)) throw new MediaSessionError('FRAME_RATE', `frameRate must be 8000, 16000 or 48000, got ${this.frameRate}`);
    this.codecs = (opts.codecs ?? engine.codecs).map((n) => engine.registry.require(n));
    this.sdpCodecs = this.codecs.map((c) => ({ name: CANONICAL[c.name] ?? c.name, clockRate: c.clockRate, channels: c.channels, payloadType: c.payloadType, ...(c.fmtp ? { fmtp: c.fmtp } : {}) }));
    const srtp = opts.srtp ?? engine.config.srtp;
    this.srtpConfig = { mode: srtp?.mode ?? 'off', suites: srtp?.suites ?? DEFAULT_SUITES };
    this.localDirection = opts.direction ?? 'sendrecv';
    const telephoneEventPt = opts.telephoneEvent === false ? undefined : (opts.telephoneEvent ?? 101);
    this.rtp = new RtpSession({
      pair,
      cname: opts.cname ?? `${this.id}@rvoip`,
      clockRate: this.codecs[0]?.clockRate ?? 8000,
      rtcp: engine.config.rtcp,
      logger: engine.logger.child({ mediaSession: this.id }),
      symmetric: opts.symmetricRtp ?? true,
      isJitterExempt: (pt) => pt === this.current?.telephoneEvent?.payloadType || pt === telephoneEventPt,
    });
    this.sender = new AudioSender(this.rtp, this.frameRate);
    this.receiver = new AudioReceiver(this.frameRate, { ...engine.config.jitter, detectInbandDtmf: opts.detectInbandDtmf ?? false });
    this.receiver.onDtmf = (e) => {
      // The bridge first, so a listener re-sending the digit finds it already carried.
      this.link?.digit(e);
      this.emit('dtmf', e);
    };
    this.receiver.onDtmfEnd = (e) => this.emit('dtmf-end', e);
    if (opts.loopback) this.receiver.onDecoded = (pcm) => this.sender.sendFrame(pcm, Date.now());
    this.rtp.setHandlers({
      onRtp: (h, packet, arrivalMs) => {
        this.link?.forward(h, packet, arrivalMs);
        this.receiver.onPacket(h, packet, arrivalMs);
      },
      onSsrcChange: (previous, next) => {
        this.receiver.reset();
        this.emit('ssrc-change', { previous, next });
      },
      onBye: (ssrc) => this.emit('bye', { ssrc }),
    });
  }

  get localPort(): number {
    return this.rtp.port;
  }

  /** What we want (setDirection/hold); the negotiated result is in `negotiated`. */
  get direction(): SdpDirection {
    return this.localDirection;
  }

  get negotiated(): NegotiatedMedia | undefined {
    return this.current;
  }

  private describe(bumpVersion = true): LocalMediaDescription {
    if (bumpVersion) this.sdpVersion++;
    const te = this.opts.telephoneEvent;
    return {
      address: this.engine.advertisedAddress,
      port: this.rtp.port,
      codecs: this.sdpCodecs,
      telephoneEvent: te === false ? false : { payloadType: te ?? 101, events: '0-16' },
      direction: this.localDirection,
      legacyHold: this.legacyHold,
      ptime: 20,
      rtcpMux: true,
      srtp: this.srtpConfig,
      sessionId: this.sdpSessionId,
      sessionVersion: String(this.sdpVersion),
    };
  }

  /** An SDP offer (initial or re-offer: same o= id, version bumped). */
  createOffer(): string {
    this.assertOpen('createOffer');
    const local = this.describe();
    // Keys stay the same across re-offers so a re-INVITE does not force a re-key.
    this.offerCrypto ??= createOfferCrypto(local);
    const sdp = createOfferSdp(local, this.offerCrypto);
    this.pendingOffer = { sdp, crypto: this.offerCrypto };
    return serializeSdp(sdp);
  }

  /** Answers a remote offer and starts media toward it. Throws RVOIP_ERR_SDP_* (-> 488). */
  createAnswer(remoteOffer: string): string {
    this.assertOpen('createAnswer');
    const { answer, negotiated } = createAnswerSdp(parseSdp(remoteOffer), this.describe());
    this.apply(negotiated);
    return serializeSdp(answer);
  }

  /** Completes our offer with the remote answer. */
  setRemoteAnswer(sdp: string): void {
    this.assertOpen('setRemoteAnswer');
    const pending = this.pendingOffer;
    if (!pending) throw new MediaSessionError('NO_OFFER', 'setRemoteAnswer called without a pending createOffer');
    this.apply(applyAnswerSdp(pending.sdp, pending.crypto, parseSdp(sdp), this.describe(false)));
    this.pendingOffer = undefined;
  }

  private apply(n: NegotiatedMedia): void {
    const family = this.rtp.addressFamily;
    if (family === 'IPv4' && n.remoteAddress.includes(':')) {
      throw new SdpError('ADDRESS_FAMILY', `SDP asks for media at IPv6 ${n.remoteAddress} but this engine's RTP sockets are IPv4 (bind address ${this.engine.bindAddress})`);
    }
    const codec = this.engine.registry.require(n.sendCodec.name);
    this.current = n;
    this.rtp.clockRate = codec.clockRate;
    this.rtp.reporter.codecName = codec.name;
    // Same keys (a re-INVITE, a session refresh): keep the transform, whose rollover
    // counters must survive; new keys start a new one.
    const keyId = n.srtp ? [n.srtp.local, n.srtp.remote].map((k) => `${k.suite}/${k.masterKey.toString('hex')}/${k.masterSalt.toString('hex')}/${k.mki ?? ''}`).join('|') : undefined;
    if (keyId !== this.srtpKeyId) {
      this.rtp.srtp = n.srtp ? new SrtpTransform(n.srtp.local, n.srtp.remote) : undefined;
      this.srtpKeyId = keyId;
    }
    if (n.srtp) this.srtpConfig.answerKey = n.srtp.local;
    const te = n.telephoneEvent ? { payloadType: n.telephoneEvent.payloadType, clockRate: n.telephoneEvent.clockRate } : undefined;
    this.sender.configure(codec, n.sendCodec.payloadType, te, n.remotePtime);
    this.sender.enabled = n.direction === 'sendrecv' || n.direction === 'sendonly';
    this.receiver.configure(n.codecs.map((c) => ({ codec: this.engine.registry.require(c.name), payloadType: c.payloadType })), te, n.remotePtime);
    this.receiver.enabled = n.direction === 'sendrecv' || n.direction === 'recvonly';
    this.rtp.setRemote({ address: n.remoteAddress, port: n.remotePort, rtcpAddress: n.remoteRtcpAddress, rtcpPort: n.remoteRtcpPort, rtcpMux: n.rtcpMux });
    this.link?.renegotiated();
  }

  /**
   * Joins this session's media to `other`'s, both ways (a B2BUA anchoring a call): RTP
   * payloads are relayed untouched while both legs negotiated the same codec, decoded and
   * re-encoded otherwise; RFC 4733 key presses cross too. Replaces any bridge either had.
   * `close()` on the result (or on either session) returns both to their own frame paths.
   */
  bridgeTo(other: MediaSession): MediaBridge {
    this.assertOpen('bridgeTo');
    other.assertOpen('bridgeTo');
    if (other === this) throw new MediaSessionError('BRIDGE_SELF', `media session ${this.id} cannot be bridged to itself`);
    this.link?.bridge.close();
    other.link?.bridge.close();
    return new MediaBridge(this.endpoint(), other.endpoint());
  }

  get bridge(): MediaBridge | undefined {
    return this.link?.bridge;
  }

  private endpoint(): BridgeEndpoint {
    const s = this as MediaSession;
    return {
      rtp: s.rtp,
      sender: s.sender,
      frameRate: s.frameRate,
      get negotiated() { return s.current; },
      get muted() { return s.muted; },
      get receiving() { return s.receiver.enabled; },
      get recordsOut() { return s.recorder?.recordsOut ?? false; },
      recordOut: (pcm) => s.recorder?.onOut(pcm),
      sendDtmf: (digits, opts) => (s.closing ? Promise.resolve() : s.sendDtmf(digits, opts)),
      relayedDigit: (digit) => s.emit('dtmf-relayed', { digit }),
      attach: (link) => { s.link = link; },
    };
  }

  /** Sets the wished direction; call createOffer() next and send it in a re-INVITE. */
  setDirection(direction: SdpDirection, opts: { legacyHold?: boolean } = {}): void {
    this.localDirection = direction;
    this.legacyHold = opts.legacyHold ?? false;
  }

  /** Puts the call on hold (a=sendonly, or c=0.0.0.0 with legacy) and returns the re-offer. */
  hold(opts: { legacy?: boolean } = {}): string {
    this.setDirection('sendonly', { legacyHold: opts.legacy ?? false });
    return this.createOffer();
  }

  resume(): string {
    this.setDirection('sendrecv');
    return this.createOffer();
  }

  /**
   * Decoded 20 ms frames at `frameRate` from now on, until the session closes. Every
   * iteration is its own subscriber (a bridge and a recorder may both read); the frames
   * are shared, so do not modify them.
   */
  frames(): AsyncIterable<Int16Array> {
    return {
      [Symbol.asyncIterator]: () => {
        const q = new FrameQueue();
        if (this.closing) q.end();
        else {
          this.consumers.add(q);
          q.onEnd = () => {
            this.consumers.delete(q);
            this.framesDropped += q.dropped;
          };
        }
        return q[Symbol.asyncIterator]();
      },
    };
  }

  /**
   * Calls `listener` with every decoded 20 ms frame, synchronously on the engine's tick:
   * no queue and no promise per frame, the cheaper reader for a server carrying many
   * calls (at 1,000 calls the promises of `frames()` readers were most of what each
   * scavenge copied). The frame is never reused, so it may be kept; it is shared with
   * other readers, so do not modify it. A listener that throws is logged and skipped.
   * Returns the function that unsubscribes.
   */
  onFrame(listener: (pcm: Int16Array) => void): () => void {
    this.assertOpen('onFrame');
    this.frameListeners = [...this.frameListeners, listener];
    return () => {
      this.frameListeners = this.frameListeners.filter((l) => l !== listener);
    };
  }

  sendFrame(pcm: Int16Array): void {
    this.assertOpen('sendFrame');
    if (!this.muted) this.sender.sendFrame(pcm, Date.now());
  }

  /** Sends DTMF as RFC 4733 events, or as in-band tones when the peer has no telephone-event. */
  sendDtmf(digits: string, opts: DtmfSendOptions = {}): Promise<void> {
    this.assertOpen('sendDtmf');
    const mode = opts.mode ?? 'auto';
    if (mode === 'rfc4733' || (mode === 'auto' && this.current?.telephoneEvent)) return this.sender.sendDtmf(digits, opts);
    let playback: Playback;
    try {
      playback = Playback.fromDtmf(digits, opts.durationMs ?? 100, opts.gapMs ?? 70, this.frameRate);
    } catch (err) {
      return Promise.reject(err);
    }
    this.sender.setSource(playback);
    return playback.finished;
  }

  /** Plays a WAV file (any rate, mono or stereo) into the call; resolves at its end. */
  async playWav(path: string): Promise<void> {
    this.assertOpen('playWav');
    const playback = Playback.fromWav(path, this.frameRate);
    this.sender.setSource(playback);
    return playback.finished;
  }

  playTone(spec: ToneSpec, durationMs: number): Promise<void> {
    this.assertOpen('playTone');
    const playback = Playback.fromTone(spec, durationMs, this.frameRate);
    this.sender.setSource(playback);
    return playback.finished;
  }

  /**
   * Streams frames from `next` (20 ms at `frameRate` each) paced by the engine clock, for
   * TTS or generated audio; resolves when `next` returns undefined or playback is replaced.
   */
  playFrames(next: () => Int16Array | undefined): Promise<void> {
    this.assertOpen('playFrames');
    const playback = Playback.fromFrames(next, this.frameRate);
    this.sender.setSource(playback);
    return playback.finished;
  }

  stopPlayback(): void {
    this.sender.setSource(undefined);
  }

  /** Records to a WAV file at `frameRate`: 'in', 'out', or 'both' (stereo: in left, out right). */
  async startRecording(path: string, opts: { direction?: RecordingDirection } = {}): Promise<void> {
    this.assertOpen('startRecording');
    await this.stopRecording();
    const recorder = await Recorder.open(path, this.frameRate, opts.direction ?? 'both');
    this.recorder = recorder;
    this.sender.onSentFrame = (pcm) => recorder.onOut(pcm);
  }

  async stopRecording(): Promise<void> {
    const r = this.recorder;
    this.recorder = undefined;
    this.sender.onSentFrame = undefined;
    await r?.close();
  }

  stats(): MediaSessionStats {
    const out: MediaSessionStats = { ...this.rtp.reporter.stats(), direction: this.current?.direction ?? this.localDirection, jitterBuffer: this.receiver.jitterStats(), framesDropped: this.framesDropped + [...this.consumers].reduce((n, q) => n + q.dropped, 0) };
    if (this.current) out.codec = this.current.sendCodec.name;
    return out;
  }

  /** Called by the engine every 20 ms. */
  tick(nowMs: number): void {
    if (this.closing) return;
    this.sender.tick(nowMs);
    const link = this.link;
    // Relayed payloads are decoded only for someone listening: frames(), a recording, in-band DTMF.
    this.receiver.setDecoding(!link?.relaying || this.consumers.size > 0 || this.frameListeners.length > 0 || this.recorder !== undefined || this.opts.detectInbandDtmf === true || link.peerRecordsOut);
    const frame = this.receiver.tick(nowMs);
    this.rtp.reporter.playoutDelayMs = this.receiver.playoutDelayMs;
    if (frame) {
      for (const q of this.consumers) q.push(frame);
      const listeners = this.frameListeners;
      for (let i = 0; i < listeners.length; i++) {
        try {
          listeners[i]!(frame);
        } catch (err) {
          this.engine.logger.warn({ err, mediaSession: this.id }, 'onFrame listener threw');
        }
      }
    }
    this.recorder?.onTick(frame);
    if (frame) link?.frame(frame, nowMs);
  }

  private assertOpen(what: string): void {
    if (this.closing) throw new MediaSessionError('CLOSED', `${what} called on closed media session ${this.id}`);
  }

  /** Sends RTCP BYE, closes both sockets, ends frames(), finalises any recording. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.link?.bridge.close();
      this.sender.close();
      this.receiver.close();
      for (const q of [...this.consumers]) q.end();
      this.frameListeners = [];
      await this.rtp.close();
      await this.stopRecording();
      this.emit('closed');
    })();
    return this.closing;
  }
}
