import type { DtmfDigit, MediaStats } from '@rvoip/contracts';
import type { MediaBridge, MediaEngine, MediaSession } from '@rvoip/media';
import type { MediaDirection, MediaDtmfEvent, MediaLeg, MediaLegBridge, MediaLegFactory, MediaRecording, PcmFrame } from '../ports.js';
import { isDtmfDigit } from '../call/dtmf-info.js';

/** How long a key press the engine bridge carried into this leg stands in for a re-send. */
const CARRIED_DIGIT_MS = 5000;

/** core/media's MediaSession seen as a call leg. */
class EngineLeg implements MediaLeg {
  private muted = false;
  /** Bumped by every playback so a looping file stops when something else plays. */
  private playGeneration = 0;
  private closed = false;
  /**
   * Key presses an engine bridge already carried into this leg (relayed RFC 4733 packets or
   * regenerated tones). A B2BUA that re-sends the digits it is told about (the PBX does,
   * since a frame pump carries no events) would otherwise send each press twice.
   */
  private carried: Array<{ digit: string; at: number }> = [];

  constructor(private readonly session: MediaSession) {
    session.on('dtmf-relayed', (e) => this.carried.push({ digit: e.digit.toUpperCase(), at: Date.now() }));
  }

  /** Joins the two engine sessions (passthrough when codecs agree); other legs: undefined. */
  bridgeTo(other: MediaLeg): MediaLegBridge | undefined {
    if (!(other instanceof EngineLeg) || other === this || this.closed || other.closed) return undefined;
    let bridge: MediaBridge;
    try {
      bridge = this.session.bridgeTo(other.session);
    } catch {
      // A session closed under us (engine shutdown): the caller's frame pump ends by itself.
      return undefined;
    }
    return {
      get mode() { return bridge.mode; },
      stop: () => bridge.close(),
    };
  }

  async createOffer(direction: MediaDirection = 'sendrecv'): Promise<string> {
    this.session.setDirection(direction);
    return this.session.createOffer();
  }

  async createAnswer(remoteSdp: string, direction: MediaDirection = 'sendrecv'): Promise<string> {
    this.session.setDirection(direction);
    return this.session.createAnswer(remoteSdp);
  }

  async setRemoteAnswer(sdp: string): Promise<void> {
    this.session.setRemoteAnswer(sdp);
  }

  setDirection(direction: MediaDirection): void {
    this.session.setDirection(direction);
  }

  frames(): AsyncIterable<PcmFrame> {
    return this.session.frames();
  }

  sendFrame(frame: PcmFrame): void {
    // Muted: nothing leaves, whatever the application keeps feeding.
    if (!this.muted && !this.closed) this.session.sendFrame(frame);
  }

  async sendDtmf(digit: DtmfDigit, durationMs: number): Promise<void> {
    const now = Date.now();
    this.carried = this.carried.filter((c) => now - c.at < CARRIED_DIGIT_MS);
    const i = this.carried.findIndex((c) => c.digit === digit);
    if (i >= 0) {
      this.carried.splice(i, 1);
      return;
    }
    await this.session.sendDtmf(digit, { durationMs });
  }

  onDtmf(listener: (event: MediaDtmfEvent) => void): void {
    this.session.on('dtmf', (e) => {
      const digit = e.digit.toUpperCase();
      if (isDtmfDigit(digit)) listener({ digit, durationMs: e.durationMs ?? 0, method: e.source });
    });
  }

  /** Muted: no frame, tone or file leaves this leg until unmuted (playback in progress stops). */
  setMuted(muted: boolean): void {
    this.muted = muted;
    // The engine's own bridge sends without passing through sendFrame.
    this.session.muted = muted;
    if (muted) this.session.stopPlayback();
  }

  async startRecording(path: string): Promise<MediaRecording> {
    await this.session.startRecording(path, { direction: 'both' });
    return { path, stop: () => this.session.stopRecording() };
  }

  async playFile(path: string, options: { loop?: boolean } = {}): Promise<void> {
    const generation = ++this.playGeneration;
    if (this.muted) return;
    do {
      await this.session.playWav(path);
    } while (options.loop && !this.closed && generation === this.playGeneration);
  }

  async playTone(frequencies: readonly number[], durationMs: number): Promise<void> {
    ++this.playGeneration;
    if (this.muted) return;
    await this.session.playTone({ frequencies }, durationMs);
  }

  stats(): MediaStats {
    const s = this.session.stats();
    return {
      ...(s.codec && { codec: s.codec }),
      packetsSent: s.packetsSent,
      packetsReceived: s.packetsReceived,
      packetsLost: s.packetsLost,
      jitterMs: s.jitterMs,
      ...(s.rttMs !== undefined && { roundTripMs: s.rttMs }),
      mos: s.mos,
    };
  }

  get codec(): string | undefined {
    return this.session.negotiated?.sendCodec.name;
  }

  get sampleRate(): number {
    return this.session.frameRate;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.session.close();
  }
}

/** Builds call legs on a MediaEngine; `codecs` are names in preference order (any case). */
export function mediaEngineLegs(engine: MediaEngine, defaultCodecs?: readonly string[]): MediaLegFactory {
  return {
    async createLeg(options) {
      const codecs = options.codecs ?? defaultCodecs;
      const session = await engine.createSession(codecs ? { codecs: codecs.map((c) => c.toLowerCase()) } : {});
      return new EngineLeg(session);
    },
  };
}
