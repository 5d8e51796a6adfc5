import type {
  Disposable, JsonValue, SessionFilter, SessionId, SessionInfo, SessionManager, SessionStateChange,
} from '@rvoip/contracts';
import { SessionError, SessionErrorCode } from './errors.js';
import { snapshot, type SessionRecord } from './registry/session-record.js';
import type { SessionRuntime } from './session-runtime.js';

function matches(r: SessionRecord, f: SessionFilter): boolean {
  if (f.state !== undefined) {
    const states: readonly string[] = typeof f.state === 'string' ? [f.state] : f.state;
    if (!states.includes(r.state)) return false;
  }
  if (f.direction && r.direction !== f.direction) return false;
  if (f.remoteUri && r.remote.uri !== f.remoteUri) return false;
  return true;
}

/** The read side: snapshots of live sessions and synchronous state-change listeners. */
export class DefaultSessionManager implements SessionManager {
  constructor(private readonly runtime: SessionRuntime) {}

  get(id: SessionId): SessionInfo | undefined {
    const r = this.runtime.registry.get(id);
    return r && snapshot(r);
  }

  findByCallId(callId: string): SessionInfo | undefined {
    const r = this.runtime.registry.byCall(callId);
    return r && snapshot(r);
  }

  list(filter: SessionFilter = {}): readonly SessionInfo[] {
    return this.runtime.registry.all().filter((r) => matches(r, filter)).map(snapshot);
  }

  count(filter: SessionFilter = {}): number {
    return this.runtime.registry.all().filter((r) => matches(r, filter)).length;
  }

  onStateChange(listener: (change: SessionStateChange) => void): Disposable {
    return this.runtime.events.onStateChange(listener);
  }

  setVar(id: SessionId, name: string, value: JsonValue): void {
    const r = this.runtime.registry.get(id);
    if (!r) throw new SessionError(SessionErrorCode.UnknownSession, `setVar('${name}'): no live session with id ${id}`, { sessionId: id });
    r.vars[name] = value;
  }
}
