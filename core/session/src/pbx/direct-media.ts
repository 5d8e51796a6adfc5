/**
 * Direct media (the option to anchoring): the B2BUA still owns both dialogs, but each
 * leg's SDP is the other phone's, so RTP flows phone to phone and no media engine port is
 * held for the call. Legs are made by the session layer through MediaLegFactory; this
 * factory hands out relay legs for forks (`withOffer`) and lets the PBX switch a caller's
 * real leg to relaying before it answers. Only the origin line (ours, versioned per leg)
 * and the audio direction (hold) are rewritten; codecs pass untouched, nothing is
 * transcoded, and RFC 4733 digits travel in the phones' own RTP.
 */
import type { DtmfDigit, MediaStats } from '@rvoip/contracts';
import type { MediaDirection, MediaDtmfEvent, MediaLeg, MediaLegFactory, MediaRecording, PcmFrame } from '../ports.js';
import { SessionError, SessionErrorCode } from '../errors.js';

/** `sdp` with its audio direction set to `dir` and our own origin line at `version`. */
export function relaySdp(sdp: string, dir: MediaDirection, sessId: number, version: number): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const out: string[] = [];
  let inAudio = false;
  let placed = false;
  const place = (): void => {
    if (inAudio && !placed) out.push(`a=${dir}`);
    placed = placed || inAudio;
  };
  for (const line of sdp.split(/\r?\n/)) {
    if (line === '') continue;
    if (line.startsWith('m=')) {
      place();
      inAudio = line.startsWith('m=audio');
    }
    if (/^a=(sendrecv|sendonly|recvonly|inactive)\s*$/.test(line)) continue;
    if (line.startsWith('o=')) {
      const addr = line.split(' ').slice(3).join(' ') || 'IN IP4 0.0.0.0';
      out.push(`o=rvoip ${sessId} ${version} ${addr}`);
      continue;
    }
    out.push(line);
  }
  place();
  return out.join(eol) + eol;
}

const NO_STATS: MediaStats = { packetsSent: 0, packetsReceived: 0, packetsLost: 0, jitterMs: 0 };

/** A leg without media: offers and answers with its partner's SDP. */
export class RelayLeg implements MediaLeg {
  partner: RelayLeg | undefined;
  /** The SDP this leg's phone last gave us (offer or answer). */
  remote: string | undefined;
  private readonly sessId = Math.floor(Math.random() * 1e9);
  private version = 0;
  private wake!: () => void;
  private readonly closedSignal = new Promise<void>((resolve) => { this.wake = resolve; });

  constructor(private readonly initialOffer?: string) {}

  private source(): string {
    const sdp = this.partner?.remote ?? this.initialOffer;
    if (!sdp) throw new SessionError(SessionErrorCode.InvalidState, 'direct-media leg has no partner SDP to relay yet', {});
    return sdp;
  }

  async createOffer(direction: MediaDirection = 'sendrecv'): Promise<string> {
    return relaySdp(this.source(), direction, this.sessId, ++this.version);
  }

  async createAnswer(remoteSdp: string, direction: MediaDirection = 'sendrecv'): Promise<string> {
    this.remote = remoteSdp;
    return relaySdp(this.source(), direction, this.sessId, ++this.version);
  }

  async setRemoteAnswer(sdp: string): Promise<void> {
    this.remote = sdp;
  }

  setDirection(_direction: MediaDirection): void {}

  /** No audio passes through us: the iteration only waits for the leg to close. */
  async *frames(): AsyncIterable<PcmFrame> {
    await this.closedSignal;
  }

  sendFrame(_frame: PcmFrame): void {}

  async sendDtmf(_digit: DtmfDigit, _durationMs: number): Promise<void> {
    throw new SessionError(SessionErrorCode.Unsupported, 'RFC 4733 digits cannot be sent on a direct-media leg (no RTP here); use INFO', {});
  }

  onDtmf(_listener: (event: MediaDtmfEvent) => void): void {}
  setMuted(_muted: boolean): void {}

  async startRecording(_path: string): Promise<MediaRecording> {
    throw new SessionError(SessionErrorCode.Unsupported, 'a direct-media call cannot be recorded: its RTP does not pass through rvoip', {});
  }

  async playFile(): Promise<void> {
    throw new SessionError(SessionErrorCode.Unsupported, 'nothing can be played into a direct-media call', {});
  }

  async playTone(): Promise<void> {
    throw new SessionError(SessionErrorCode.Unsupported, 'nothing can be played into a direct-media call', {});
  }

  stats(): MediaStats {
    return NO_STATS;
  }

  get codec(): string | undefined {
    const sdp = this.remote;
    const pt = sdp && /^m=audio \d+ \S+ (\d+)/m.exec(sdp)?.[1];
    if (!sdp || pt === undefined) return undefined;
    return new RegExp(`^a=rtpmap:${pt} ([^/\\s]+)`, 'm').exec(sdp)?.[1]?.toUpperCase() ?? ({ '0': 'PCMU', '8': 'PCMA', '9': 'G722' } as Record<string, string>)[pt];
  }

  readonly sampleRate = 8000;

  async close(): Promise<void> {
    this.wake();
  }
}

/** A real leg that the PBX may turn into a relay before any SDP went out on it. */
export class SwitchableLeg implements MediaLeg {
  private relay: RelayLeg | undefined;

  constructor(private readonly real: MediaLeg) {}

  /** From now on this leg relays `partner`'s SDP; the real leg's RTP port is freed. */
  async toRelay(partner: RelayLeg): Promise<RelayLeg> {
    const relay = new RelayLeg();
    relay.partner = partner;
    partner.partner = relay;
    this.relay = relay;
    await this.real.close();
    return relay;
  }

  /** True once `toRelay` switched this leg (an early 183 may have done so before the answer). */
  get relayed(): boolean {
    return this.relay !== undefined;
  }

  private get leg(): MediaLeg {
    return this.relay ?? this.real;
  }

  createOffer(direction?: MediaDirection): Promise<string> { return this.leg.createOffer(direction); }
  createAnswer(remoteSdp: string, direction?: MediaDirection): Promise<string> { return this.leg.createAnswer(remoteSdp, direction); }
  setRemoteAnswer(sdp: string): Promise<void> { return this.leg.setRemoteAnswer(sdp); }
  setDirection(direction: MediaDirection): void { this.leg.setDirection(direction); }
  frames(): AsyncIterable<PcmFrame> { return this.leg.frames(); }
  sendFrame(frame: PcmFrame): void { this.leg.sendFrame(frame); }
  sendDtmf(digit: DtmfDigit, durationMs: number): Promise<void> { return this.leg.sendDtmf(digit, durationMs); }
  onDtmf(listener: (event: MediaDtmfEvent) => void): void { this.real.onDtmf(listener); }
  setMuted(muted: boolean): void { this.leg.setMuted(muted); }
  startRecording(path: string): Promise<MediaRecording> { return this.leg.startRecording(path); }
  playFile(path: string, options?: { loop?: boolean }): Promise<void> { return this.leg.playFile(path, options); }
  playTone(frequencies: readonly number[], durationMs: number): Promise<void> { return this.leg.playTone(frequencies, durationMs); }
  stats(): MediaStats { return this.leg.stats(); }
  get codec(): string | undefined { return this.leg.codec; }
  get sampleRate(): number { return this.leg.sampleRate; }
  async close(): Promise<void> {
    await this.relay?.close();
    await this.real.close();
  }
}

/** Wraps the media-leg factory when the PBX runs with direct media. */
export class DirectMediaLegs implements MediaLegFactory {
  private nextOffer: string | undefined;

  constructor(private readonly inner: MediaLegFactory) {}

  /**
   * Runs `place` (a CallController.dial) so that the leg it creates relays `offer`. The
   * session layer creates the leg synchronously inside dial(), so the slot is never seen
   * by another call.
   */
  withOffer<T>(offer: string, place: () => T): T {
    this.nextOffer = offer;
    try {
      return place();
    } finally {
      this.nextOffer = undefined;
    }
  }

  async createLeg(options: { readonly codecs?: readonly string[] }): Promise<MediaLeg> {
    const offer = this.nextOffer;
    this.nextOffer = undefined;
    if (offer !== undefined) return new RelayLeg(offer);
    return new SwitchableLeg(await this.inner.createLeg(options));
  }
}
