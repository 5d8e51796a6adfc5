/**
 * What the session layer needs from the SIP user agent and from the media engine. SIP is
 * core/sip's UA API as is; media is a narrow port (MediaLeg) that `mediaEngineLegs` adapts
 * core/media's MediaSession to, so signalling tests can run on fake legs without RTP.
 */
import type { DtmfDigit, MediaStats } from '@rvoip/contracts';
import type { SipStack } from '@rvoip/sip';

export type HeaderList = Array<[string, string | number]>;

// The SIP side is core/sip's user-agent API itself (src/ua/types.ts), under local names.
export type {
  SipDialog as UaDialog,
  IncomingInvite as UaIncomingInvite,
  IncomingRequest as UaIncomingRequest,
  OutgoingInvite as UaOutgoingInvite,
  OutgoingInviteOptions as UaInviteOptions,
  ResponseOptions as UaResponseOptions,
  DialogEndReason as UaDialogEndReason,
} from '@rvoip/sip';

/** The part of core/sip's `SipStack` that CallController drives. */
export type SipUserAgent = Pick<SipStack, 'onInvite' | 'onRequest' | 'invite'>;

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** One 20 ms frame of 16-bit mono PCM at the session's clock rate. */
export type PcmFrame = Int16Array;

export interface MediaDtmfEvent {
  readonly digit: DtmfDigit;
  readonly durationMs: number;
  /** How the digit arrived; RFC 4733 unless the engine detected it in the audio. */
  readonly method?: 'rfc4733' | 'inband';
}

export interface MediaRecording {
  readonly path: string;
  stop(): Promise<void>;
}

/** One call leg's media (core/media `MediaSession`), reduced to what a call needs. */
export interface MediaLeg {
  /** SDP offer for our side, with the given direction. */
  createOffer(direction?: MediaDirection): Promise<string>;
  /** Applies a remote offer and returns our answer. */
  createAnswer(remoteSdp: string, direction?: MediaDirection): Promise<string>;
  setRemoteAnswer(sdp: string): Promise<void>;
  /** Local send direction only (hold mutes our sending without renegotiating twice). */
  setDirection(direction: MediaDirection): void;
  /** Audio from the peer as 20 ms PCM frames, until the leg closes. */
  frames(): AsyncIterable<PcmFrame>;
  sendFrame(frame: PcmFrame): void;
  sendDtmf(digit: DtmfDigit, durationMs: number): Promise<void>;
  onDtmf(listener: (event: MediaDtmfEvent) => void): void;
  setMuted(muted: boolean): void;
  startRecording(path: string): Promise<MediaRecording>;
  playFile(path: string, options?: { loop?: boolean }): Promise<void>;
  playTone(frequencies: readonly number[], durationMs: number): Promise<void>;
  stats(): MediaStats;
  readonly codec: string | undefined;
  readonly sampleRate: number;
  close(): Promise<void>;
  /**
   * Joins this leg's media to `other` inside the media engine (RTP payloads relayed
   * untouched when both legs negotiated the same codec, transcoded otherwise); undefined
   * when the two legs cannot be joined that way, and the caller pumps frames instead.
   */
  bridgeTo?(other: MediaLeg): MediaLegBridge | undefined;
}

/** A media-engine bridge between two legs (see `MediaLeg.bridgeTo`). */
export interface MediaLegBridge {
  readonly mode: 'passthrough' | 'transcode';
  stop(): void;
}

export interface MediaLegFactory {
  createLeg(options: { readonly codecs?: readonly string[] }): Promise<MediaLeg>;
}
