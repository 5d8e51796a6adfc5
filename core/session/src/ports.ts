/**
 * What the session layer needs from the SIP user agent and from the media engine, stated
 * as narrow structural ports. The real `SipStack` (core/sip ua) and `MediaEngine`
 * (core/media) satisfy them; tests can drive the controller with fakes. Keeping the port
 * here (not importing concrete classes) also keeps core/session testable while the lower
 * layers evolve.
 */
import type { DtmfDigit, MediaStats } from '@rvoip/contracts';
import type { SipRequest, SipResponse } from '@rvoip/sip';

export type HeaderList = Array<[string, string | number]>;

export interface UaResponseOptions {
  reason?: string;
  headers?: HeaderList;
  body?: Buffer | string;
  contentType?: string;
}

export interface UaReceivedInfo {
  readonly transport?: string;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly address?: string;
  readonly port?: number;
  readonly protocol?: string;
}

export interface UaIncomingRequest {
  readonly request: SipRequest;
  readonly source: UaReceivedInfo;
  respond(status: number, opts?: UaResponseOptions): Promise<void>;
}

export type UaDialogEndReason = 'local-bye' | 'remote-bye' | 'ack-timeout' | 'transport-error' | 'closed';

export interface UaDialog {
  /** `callId;localTag;remoteTag` (core/sip dialog id). */
  readonly id: string;
  readonly callId: string;
  readonly localUri: string;
  readonly remoteUri: string;
  readonly remoteTarget: string;
  readonly state: 'early' | 'confirmed' | 'terminated';
  readonly remoteDescription: Buffer;
  request(method: string, opts?: Omit<UaResponseOptions, 'reason'>): Promise<SipResponse>;
  onRequest(listener: (req: UaIncomingRequest) => void): void;
  onTerminated(listener: (reason: UaDialogEndReason) => void): void;
  bye(opts?: { headers?: HeaderList }): Promise<void>;
}

export interface UaIncomingInvite extends UaIncomingRequest {
  readonly cancelled: boolean;
  onCancel(listener: (cancel: SipRequest) => void): void;
  progress(status: number, opts?: UaResponseOptions & { reliable?: boolean }): Promise<void>;
  accept(opts?: UaResponseOptions): Promise<UaDialog>;
  reject(status: number, opts?: UaResponseOptions): Promise<void>;
}

export interface UaInviteOptions {
  to: string;
  from?: string;
  body?: Buffer | string;
  contentType?: string;
  headers?: HeaderList;
  credentials?: { username: string; password: string; realm?: string };
}

export interface UaOutgoingInvite {
  readonly request: SipRequest;
  onProvisional(listener: (res: SipResponse, early: UaDialog | undefined) => void): void;
  readonly answered: Promise<UaDialog>;
  cancel(reason?: string): Promise<void>;
}

/** The user-agent surface CallController drives (core/sip `SipStack`). */
export interface SipUserAgent {
  onInvite(handler: (invite: UaIncomingInvite) => void | Promise<void>): void;
  onRequest(method: string, handler: (req: UaIncomingRequest) => void | Promise<void>): void;
  invite(options: UaInviteOptions): UaOutgoingInvite;
}

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
}

export interface MediaLegFactory {
  createLeg(options: { readonly codecs?: readonly string[] }): Promise<MediaLeg>;
}
