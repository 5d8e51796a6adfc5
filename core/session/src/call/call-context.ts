import type {
  CallState, EndReason, Logger, MediaStats, SessionId, SignalingHandler, StateActionAdapter,
} from '@rvoip/contracts';
import type { MediaLegFactory, SipUserAgent, UaIncomingInvite, UaOutgoingInvite } from '../ports.js';
import type { SessionRegistry } from '../registry/session-registry.js';
import type { SessionRecord } from '../registry/session-record.js';
import type { SessionEvents } from '../events/session-events.js';
import type { StateMachine } from '../state/state-machine.js';

/** Options that shape how calls are placed and answered. */
export interface CallSettings {
  /** Our address-of-record, used as From; e.g. `sip:alice@127.0.0.1:5070`. */
  readonly localUri: string;
  readonly displayName?: string;
  /** RFC 4028 interval offered on outgoing INVITEs and granted on incoming ones (s). */
  readonly sessionExpires: number;
  /** Period of media-stats events while media runs; 0 turns them off (the CDR still has the totals). */
  readonly mediaStatsIntervalMs: number;
  /** Deferred inbound calls are rejected with 480 after this long. */
  readonly deferTimeoutMs: number;
  readonly codecs?: readonly string[];
  /** Where a REFER's target is called (a B2BUA maps its own users' AORs back through itself); default as given. */
  readonly referTarget?: (target: string) => string;
  /**
   * A REFER whose Replaces names another of our own dialogs: a B2BUA's phone talks to both
   * parties through us, so the transfer is carried out here (e.g. by re-bridging) instead of
   * calling ourselves. Resolves with the status for the final NOTIFY, or undefined to fall back.
   */
  readonly localReplaces?: (transferor: SessionId, replaced: SessionId) => Promise<{ readonly status: number; readonly reason: string } | undefined>;
  /** Digest credentials answered on 401/407 to our INVITEs. */
  readonly credentials?: { readonly username: string; readonly password: string; readonly realm?: string };
}

/** Per-session handles that are not part of the mappings the registry owns. */
export interface CallHandles {
  incoming?: UaIncomingInvite;
  outgoing?: UaOutgoingInvite;
  /** True while an offer/answer exchange we started is in flight (glare detection, RFC 3261 14.1). */
  offerPending: boolean;
  sessionTimer?: NodeJS.Timeout;
  statsTimer?: NodeJS.Timeout;
  deferTimer?: NodeJS.Timeout;
  /**
   * Set from the moment our 2xx to the initial INVITE is sent until its ACK (or the ACK
   * timeout) has been handled; the INVITE can no longer be rejected then, only ended with BYE.
   */
  accepting?: Promise<void>;
  /** The REFER we sent, awaiting a final NOTIFY. */
  referWait?: { resolve: (ok: boolean, status: number) => void };
  /** Media stats captured when the leg closed, for the CDR. */
  finalStats?: MediaStats;
  /** Resolves when the session reaches a terminal state. */
  ended: Promise<void>;
  resolveEnded: () => void;
}

/** Everything the call handlers share; assembled once by the CallController. */
export interface CallContext {
  readonly ua: SipUserAgent;
  readonly media: MediaLegFactory;
  readonly registry: SessionRegistry;
  readonly events: SessionEvents;
  readonly machine: StateMachine;
  readonly signaling: SignalingHandler;
  readonly adapters: () => readonly StateActionAdapter[];
  readonly settings: CallSettings;
  readonly logger: Logger;
  handles(id: SessionId): CallHandles;
  /** Feeds an event to the state table; throws RVOIP_ERR_SESSION_INVALID_STATE when it has no transition. */
  fire(record: SessionRecord, event: string, cause?: string): Promise<CallState>;
  /** Fires only when the table allows it; for events the far end may race (BYE vs. hangup). */
  tryFire(record: SessionRecord, event: string, cause?: string): Promise<boolean>;
  /** Throws RVOIP_ERR_SESSION_INVALID_STATE unless the table accepts `event` now (check before signalling). */
  guard(record: SessionRecord, event: string): void;
  require(id: SessionId): SessionRecord;
  setEndReason(record: SessionRecord, reason: EndReason): void;
}
