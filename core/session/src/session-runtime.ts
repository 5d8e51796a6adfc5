import type {
  CallEventSink, Logger, SignalingHandler, StateActionAdapter, StateTable,
} from '@rvoip/contracts';
import { silentLogger } from '@rvoip/contracts';
import type { MediaLegFactory, SipUserAgent } from './ports.js';
import { SessionRegistry } from './registry/session-registry.js';
import { SessionEvents } from './events/session-events.js';
import { StateMachine } from './state/state-machine.js';
import type { CallSettings } from './call/call-context.js';
import { SessionCore } from './call/session-core.js';
import { handleInvite } from './call/inbound.js';

export interface SessionRuntimeOptions {
  readonly ua: SipUserAgent;
  readonly media: MediaLegFactory;
  readonly signaling: SignalingHandler;
  readonly table: StateTable;
  readonly sink: CallEventSink;
  readonly adapters?: () => readonly StateActionAdapter[];
  readonly settings: Partial<CallSettings> & { readonly localUri: string };
  readonly logger?: Logger;
}

/**
 * One session layer instance: registry, events, state machine and coordinator, listening
 * for INVITEs on the user agent. CallController and SessionManager are views over it.
 */
export class SessionRuntime {
  readonly registry = new SessionRegistry();
  readonly events: SessionEvents;
  readonly core: SessionCore;

  constructor(options: SessionRuntimeOptions) {
    const logger = options.logger ?? silentLogger;
    this.events = new SessionEvents(options.sink, logger);
    this.core = new SessionCore({
      ua: options.ua,
      media: options.media,
      registry: this.registry,
      events: this.events,
      machine: new StateMachine(options.table),
      signaling: options.signaling,
      adapters: options.adapters ?? (() => []),
      settings: { sessionExpires: 1800, deferTimeoutMs: 60_000, mediaStatsIntervalMs: 5000, ...options.settings },
      logger,
    });
    options.ua.onInvite((invite) => handleInvite(this.core, invite).catch((err: unknown) => {
      logger.error({ err, callId: invite.request.callId }, 'incoming INVITE handling failed');
    }));
  }
}
