import type { CallState, DtmfDigit, DtmfMethod, SessionId, SessionInfo } from './session.js';
import type { CdrRecord } from './storage.js';
import type { MediaStats } from './media-stats.js';
import type { JsonValue } from './json.js';

/** Observers of the call lifecycle (billing, transcription, analytics). Many may be bound. */
export const CallEventAdapter = Symbol.for('rvoip.kernel.CallEventAdapter');
/** Where the session layer publishes call events; the kernel fans them out off the signalling path. */
export const CallEventSink = Symbol.for('rvoip.kernel.CallEventSink');
/** Implementations of custom state-table actions. Many may be bound. */
export const StateActionAdapter = Symbol.for('rvoip.session.StateActionAdapter');
/** The session layer's transition table, checked against the registered actions at load. */
export const StateTable = Symbol.for('rvoip.session.StateTable');

export type CallEvent =
  | { readonly type: 'state-changed'; readonly sessionId: SessionId; readonly at: Date; readonly from: CallState; readonly to: CallState; readonly cause?: string }
  | { readonly type: 'dtmf'; readonly sessionId: SessionId; readonly at: Date; readonly digit: DtmfDigit; readonly durationMs: number; readonly method: DtmfMethod }
  | { readonly type: 'media-stats'; readonly sessionId: SessionId; readonly at: Date; readonly stats: MediaStats }
  | { readonly type: 'call-ended'; readonly sessionId: SessionId; readonly at: Date; readonly cdr: CdrRecord };

export type CallEventType = CallEvent['type'];
export type CallEventOf<T extends CallEventType> = Extract<CallEvent, { type: T }>;

/**
 * Implement only the hooks you need. Hooks run on the kernel's event queue, never inside
 * the SIP transaction: a slow, throwing or hanging hook cannot delay or break a call; the
 * kernel logs the failure with the plugin id and counts it.
 */
export interface CallEventAdapter {
  /** Shown in logs and counters; defaults to the owning plugin id. */
  readonly name?: string;
  onStateChange?(event: CallEventOf<'state-changed'>): void | Promise<void>;
  onDtmf?(event: CallEventOf<'dtmf'>): void | Promise<void>;
  onMediaStats?(event: CallEventOf<'media-stats'>): void | Promise<void>;
  onCallEnd?(event: CallEventOf<'call-ended'>): void | Promise<void>;
}

export interface CallEventSink {
  /** Never throws and never waits: enqueues for every adapter and returns. */
  publish(event: CallEvent): void;
}

export interface CallEventAdapterStats {
  readonly adapter: string;
  /** Owning plugin id, or 'core' for adapters bound by core modules. */
  readonly pluginId: string;
  readonly delivered: number;
  readonly failed: number;
  readonly timedOut: number;
  /** Events dropped because this adapter's queue was full. */
  readonly dropped: number;
  readonly queued: number;
}

export type StateActionParams = Readonly<Record<string, JsonValue>>;

/** What an action may ask of the state machine after it ran. */
export interface StateActionResult {
  /** Name of a state-table event to feed back, e.g. 'menu-done'. */
  readonly emit?: string;
  /** Values merged into the session's vars. */
  readonly vars?: Readonly<Record<string, JsonValue>>;
}

export interface StateActionAdapter {
  canHandle(action: string): boolean;
  execute(action: string, session: SessionInfo, params: StateActionParams): Promise<StateActionResult | void>;
}

export interface StateActionRef {
  readonly name: string;
  readonly params?: StateActionParams;
}

export interface StateTransition {
  /** '*' matches any state. */
  readonly from: CallState | '*';
  readonly on: string;
  readonly to: CallState;
  readonly actions: readonly StateActionRef[];
}

export interface StateTable {
  readonly transitions: readonly StateTransition[];
  /** Action names the session layer implements itself (send-response, start-media...). */
  readonly builtinActions: readonly string[];
}
