import type { Disposable } from './disposable.js';
import type { JsonValue } from './json.js';

/**
 * Session-layer contracts: one SIP dialog plus its media is a "session"; the state table in
 * core/session drives it, SessionManager observes it, CallController commands it.
 */
export const SessionManager = Symbol.for('rvoip.session.SessionManager');
export const CallController = Symbol.for('rvoip.session.CallController');
export const ConferenceManager = Symbol.for('rvoip.session.ConferenceManager');

export type SessionId = string;
export type CallDirection = 'inbound' | 'outbound';
export type CallState =
  | 'idle'
  | 'calling'
  | 'ringing'
  | 'early-media'
  | 'active'
  | 'on-hold'
  | 'resuming'
  | 'transferring'
  | 'terminating'
  | 'terminated'
  | 'failed';

/** Why a call ended; mirrors the CDR disposition operators bill and report on. */
export type EndReason =
  | 'normal'
  | 'busy'
  | 'no-answer'
  | 'rejected'
  | 'cancelled'
  | 'timeout'
  | 'transferred'
  | 'failed';

export type DtmfDigit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';
export type DtmfMethod = 'rfc4733' | 'info' | 'inband';

/** A name-addr as in From/To/Contact: `"Alice" <sip:alice@example.com>`. */
export interface SipAddress {
  readonly uri: string;
  readonly displayName?: string;
}

export interface SessionInfo {
  readonly id: SessionId;
  readonly callId: string;
  readonly direction: CallDirection;
  readonly state: CallState;
  readonly local: SipAddress;
  readonly remote: SipAddress;
  readonly createdAt: Date;
  readonly answeredAt?: Date;
  readonly endedAt?: Date;
  readonly endReason?: EndReason;
  /** Negotiated audio codec name (e.g. `PCMU`), once SDP answer is applied. */
  readonly codec?: string;
  readonly held: boolean;
  readonly conferenceId?: string;
  /** Application data attached by handlers and state actions; persisted into the CDR tags. */
  readonly vars: Readonly<Record<string, JsonValue>>;
}

export interface SessionStateChange {
  readonly session: SessionInfo;
  readonly from: CallState;
  readonly to: CallState;
  readonly cause?: string;
}

export interface SessionFilter {
  readonly state?: CallState | readonly CallState[];
  readonly direction?: CallDirection;
  readonly remoteUri?: string;
}

/** Read side of the live session table. */
export interface SessionManager {
  get(id: SessionId): SessionInfo | undefined;
  findByCallId(callId: string): SessionInfo | undefined;
  list(filter?: SessionFilter): readonly SessionInfo[];
  count(filter?: SessionFilter): number;
  /** Synchronous, in-process listener; heavy work belongs in a CallEventAdapter instead. */
  onStateChange(listener: (change: SessionStateChange) => void): Disposable;
  setVar(id: SessionId, name: string, value: JsonValue): void;
}

export interface DialOptions {
  /** Request-URI / To, e.g. `sip:bob@example.com` or `sip:1001@10.0.0.2:5060`. */
  readonly to: string;
  readonly from?: SipAddress;
  readonly headers?: Readonly<Record<string, string>>;
  /** Give up with 'no-answer' after this long without a final response. */
  readonly timeoutMs?: number;
  /** Preferred codecs in order, e.g. ['PCMU', 'PCMA', 'opus']. */
  readonly codecs?: readonly string[];
  readonly vars?: Readonly<Record<string, JsonValue>>;
}

export interface AnswerOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly codecs?: readonly string[];
}

export interface DtmfOptions {
  readonly method?: DtmfMethod;
  readonly durationMs?: number;
  readonly gapMs?: number;
}

/** Audio to play into a call: a file on disk or synthesized tone. */
export type AudioSource =
  | { readonly kind: 'file'; readonly path: string; readonly loop?: boolean }
  | { readonly kind: 'tone'; readonly frequencies: readonly number[]; readonly durationMs: number };

export interface RecordingOptions {
  readonly path: string;
  readonly direction?: 'both' | 'inbound' | 'outbound';
  readonly format?: 'wav';
}

export interface RecordingHandle {
  readonly path: string;
  stop(): Promise<void>;
}

/** Command side: everything a softphone, IVR or call-centre engine does to a call. */
export interface CallController {
  dial(options: DialOptions): Promise<SessionInfo>;
  /** Sends 180 Ringing (or 183 with early media) for a deferred inbound call. */
  ring(id: SessionId, options?: { readonly earlyMedia?: boolean }): Promise<void>;
  answer(id: SessionId, options?: AnswerOptions): Promise<void>;
  /** Final non-2xx response to a pending inbound call; `code` is a SIP status (4xx-6xx). */
  reject(id: SessionId, code: number, reason?: string): Promise<void>;
  /** CANCEL before answer, BYE after; resolves once the session is terminated. */
  hangup(id: SessionId, reason?: EndReason): Promise<void>;
  hold(id: SessionId): Promise<void>;
  resume(id: SessionId): Promise<void>;
  sendDtmf(id: SessionId, digits: string, options?: DtmfOptions): Promise<void>;
  /** Blind transfer with REFER. */
  transfer(id: SessionId, target: string): Promise<void>;
  /** Attended transfer: REFER with Replaces towards the other session's dialog. */
  attendedTransfer(id: SessionId, replaceWith: SessionId): Promise<void>;
  /** Connects the media of two sessions back to back. */
  bridge(a: SessionId, b: SessionId): Promise<void>;
  unbridge(a: SessionId): Promise<void>;
  play(id: SessionId, source: AudioSource): Promise<void>;
  record(id: SessionId, options: RecordingOptions): Promise<RecordingHandle>;
}

export interface ConferenceOptions {
  readonly id?: string;
  readonly name?: string;
  readonly maxParticipants?: number;
  /** Mixer sample rate; 8000 keeps G.711 legs transcode-free. */
  readonly sampleRate?: 8000 | 16000 | 48000;
}

export interface ConferenceParticipant {
  readonly sessionId: SessionId;
  readonly joinedAt: Date;
  readonly muted: boolean;
  readonly deaf: boolean;
}

export interface ConferenceInfo {
  readonly id: string;
  readonly name?: string;
  readonly createdAt: Date;
  readonly maxParticipants?: number;
  readonly participants: readonly ConferenceParticipant[];
}

export interface ConferenceManager {
  create(options?: ConferenceOptions): Promise<ConferenceInfo>;
  get(id: string): ConferenceInfo | undefined;
  list(): readonly ConferenceInfo[];
  join(conferenceId: string, sessionId: SessionId, options?: { readonly muted?: boolean }): Promise<void>;
  leave(conferenceId: string, sessionId: SessionId): Promise<void>;
  mute(conferenceId: string, sessionId: SessionId, muted: boolean): Promise<void>;
  /** Removes every participant (their calls stay up) and frees the mixer. */
  destroy(conferenceId: string): Promise<void>;
}
