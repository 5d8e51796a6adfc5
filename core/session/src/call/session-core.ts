import type {
  CallState, EndReason, Logger, SessionId, SignalingHandler, StateActionAdapter, StateActionRef,
} from '@rvoip/contracts';
import { SessionError, SessionErrorCode } from '../errors.js';
import type { MediaLegFactory, SipUserAgent } from '../ports.js';
import { snapshot, type SessionRecord } from '../registry/session-record.js';
import type { SessionRegistry } from '../registry/session-registry.js';
import type { SessionEvents } from '../events/session-events.js';
import type { StateMachine } from '../state/state-machine.js';
import { TERMINAL_STATES, type BuiltinAction } from '../state/vocabulary.js';
import { builtinActions } from './builtin-actions.js';
import type { CallContext, CallHandles, CallSettings } from './call-context.js';

export interface SessionCoreDeps {
  readonly ua: SipUserAgent;
  readonly media: MediaLegFactory;
  readonly registry: SessionRegistry;
  readonly events: SessionEvents;
  readonly machine: StateMachine;
  readonly signaling: SignalingHandler;
  readonly adapters: () => readonly StateActionAdapter[];
  readonly settings: CallSettings;
  readonly logger: Logger;
}

/**
 * The thin coordinator: feeds events to the state table, applies the transition, runs its
 * actions in order (builtin or StateActionAdapter), and feeds back events adapters emit.
 * Signalling code calls `fire`; it never sets `state` itself.
 */
export class SessionCore implements CallContext {
  readonly ua: SipUserAgent;
  readonly media: MediaLegFactory;
  readonly registry: SessionRegistry;
  readonly events: SessionEvents;
  readonly machine: StateMachine;
  readonly signaling: SignalingHandler;
  readonly adapters: () => readonly StateActionAdapter[];
  readonly settings: CallSettings;
  readonly logger: Logger;
  private readonly handleMap = new Map<SessionId, CallHandles>();

  constructor(deps: SessionCoreDeps) {
    this.ua = deps.ua;
    this.media = deps.media;
    this.registry = deps.registry;
    this.events = deps.events;
    this.machine = deps.machine;
    this.signaling = deps.signaling;
    this.adapters = deps.adapters;
    this.settings = deps.settings;
    this.logger = deps.logger;
  }

  handles(id: SessionId): CallHandles {
    let h = this.handleMap.get(id);
    if (!h) {
      let resolveEnded!: () => void;
      const ended = new Promise<void>((resolve) => { resolveEnded = resolve; });
      h = { offerPending: false, ended, resolveEnded };
      this.handleMap.set(id, h);
    }
    return h;
  }

  require(id: SessionId): SessionRecord {
    const r = this.registry.get(id);
    if (!r) throw new SessionError(SessionErrorCode.UnknownSession, `No live session with id ${id}`, { sessionId: id });
    return r;
  }

  setEndReason(record: SessionRecord, reason: EndReason): void {
    record.endReason ??= reason;
  }

  async tryFire(record: SessionRecord, event: string, cause?: string): Promise<boolean> {
    if (!this.machine.can(record.state, event)) return false;
    await this.fire(record, event, cause);
    return true;
  }

  guard(record: SessionRecord, event: string): void {
    if (!this.machine.can(record.state, event)) throw this.invalid(record, event);
  }

  private invalid(record: SessionRecord, event: string): SessionError {
    return new SessionError(
        SessionErrorCode.InvalidState,
        `Session ${record.id} cannot handle '${event}' in state '${record.state}' (accepted there: ${this.machine.eventsFrom(record.state).join(', ') || 'nothing'})`,
      { sessionId: record.id, state: record.state, event },
    );
  }

  async fire(record: SessionRecord, event: string, cause?: string): Promise<CallState> {
    const t = this.machine.next(record.state, event);
    if (!t) throw this.invalid(record, event);
    record.state = t.to;
    // Stamped before listeners run so the terminal snapshot carries the end time.
    if (TERMINAL_STATES.includes(t.to)) record.endedAt ??= new Date();
    this.logger.debug({ session: record.id, from: t.from, to: t.to, event }, 'session transition');
    if (t.from !== t.to) this.events.stateChanged(record, t.from, t.to, cause ?? event);
    const emitted: string[] = [];
    for (const action of t.actions) {
      const next = await this.runAction(record, action);
      if (next) emitted.push(next);
    }
    if (TERMINAL_STATES.includes(record.state)) this.finish(record);
    for (const e of emitted) await this.fire(record, e);
    return record.state;
  }

  private async runAction(record: SessionRecord, action: StateActionRef): Promise<string | undefined> {
    const params = action.params ?? {};
    const builtin = (builtinActions as Record<string, ((c: CallContext, r: SessionRecord, p: typeof params) => Promise<void> | void) | undefined>)[action.name];
    try {
      if (builtin) {
        await builtin(this, record, params);
        return undefined;
      }
      const adapter = this.adapters().find((a) => a.canHandle(action.name));
      if (!adapter) {
        throw new SessionError(SessionErrorCode.Action, `No StateActionAdapter handles action '${action.name}'`, { action: action.name });
      }
      const result = await adapter.execute(action.name, snapshot(record), params);
      if (result?.vars) Object.assign(record.vars, result.vars);
      return result?.emit;
    } catch (err) {
      // An action failing must not wedge the call in a half-applied state: log and go on.
      this.logger.error({ err, session: record.id, action: action.name }, 'state action failed');
      return undefined;
    }
  }

  private finish(record: SessionRecord): void {
    this.registry.remove(record.id);
    // Keep the handles briefly reachable through closures only; the map entry goes now.
    this.handleMap.delete(record.id);
  }

  /** For tests and `rvoip status`: live sessions and handle entries. */
  liveHandles(): number {
    return this.handleMap.size;
  }
}

export type { BuiltinAction };
