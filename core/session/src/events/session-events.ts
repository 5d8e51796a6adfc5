import type {
  CallEventSink, CallState, Disposable, DtmfDigit, DtmfMethod, Logger, MediaStats, SessionStateChange,
} from '@rvoip/contracts';
import type { SessionRecord } from '../registry/session-record.js';
import { snapshot } from '../registry/session-record.js';
import { buildCdr } from './cdr.js';

export interface DtmfNotice {
  readonly sessionId: string;
  readonly digit: DtmfDigit;
  readonly durationMs: number;
  readonly method: DtmfMethod;
}

/** A new session that continues an existing one: we were REFERred, or an INVITE replaced a dialog. */
export interface SessionLink {
  readonly sessionId: string;
  readonly newSessionId: string;
  readonly kind: 'transfer' | 'replaces';
}

type Listener<T> = (value: T) => void;

/**
 * The session layer's event outlet: synchronous in-process listeners (SessionManager,
 * the SDK's Call objects) plus the CallEventSink that carries events to CallEventAdapters
 * off the signalling path. A throwing listener is logged, never propagated into a call.
 */
export class SessionEvents {
  private readonly stateListeners = new Set<Listener<SessionStateChange>>();
  private readonly dtmfListeners = new Set<Listener<DtmfNotice>>();
  private readonly linkListeners = new Set<Listener<SessionLink>>();

  constructor(private readonly sink: CallEventSink, private readonly logger: Logger) {}

  onStateChange(listener: Listener<SessionStateChange>): Disposable {
    this.stateListeners.add(listener);
    return { dispose: () => this.stateListeners.delete(listener) };
  }

  onDtmf(listener: Listener<DtmfNotice>): Disposable {
    this.dtmfListeners.add(listener);
    return { dispose: () => this.dtmfListeners.delete(listener) };
  }

  onLink(listener: Listener<SessionLink>): Disposable {
    this.linkListeners.add(listener);
    return { dispose: () => this.linkListeners.delete(listener) };
  }

  linked(link: SessionLink): void {
    this.each(this.linkListeners, link);
  }

  stateChanged(record: SessionRecord, from: CallState, to: CallState, cause?: string): void {
    const change: SessionStateChange = { session: snapshot(record), from, to, ...(cause && { cause }) };
    this.each(this.stateListeners, change);
    this.sink.publish({ type: 'state-changed', sessionId: record.id, at: new Date(), from, to, ...(cause && { cause }) });
  }

  dtmf(notice: DtmfNotice): void {
    this.each(this.dtmfListeners, notice);
    this.sink.publish({ type: 'dtmf', at: new Date(), ...notice });
  }

  mediaStats(sessionId: string, stats: MediaStats): void {
    this.sink.publish({ type: 'media-stats', sessionId, at: new Date(), stats });
  }

  callEnded(record: SessionRecord, media?: MediaStats): void {
    const endedAt = record.endedAt ?? new Date();
    this.sink.publish({ type: 'call-ended', sessionId: record.id, at: endedAt, cdr: buildCdr(record, endedAt, media) });
  }

  private each<T>(listeners: Set<Listener<T>>, value: T): void {
    for (const l of [...listeners]) {
      try {
        l(value);
      } catch (err) {
        this.logger.error({ err }, 'session event listener threw');
      }
    }
  }
}
