import type { Disposable, SessionId, SessionManager, SessionStateChange } from '@rvoip/contracts';

type Watcher = (change: SessionStateChange) => void;

/**
 * One SessionManager listener fanning out by session id, so thousands of forks and
 * bridges cost one map lookup per state change instead of one listener each.
 */
export class SessionWatch implements Disposable {
  private readonly watchers = new Map<SessionId, Set<Watcher>>();
  private readonly sub: Disposable;

  constructor(sessions: SessionManager) {
    this.sub = sessions.onStateChange((change) => {
      const set = this.watchers.get(change.session.id);
      if (set) for (const w of [...set]) w(change);
      if (change.to === 'terminated' || change.to === 'failed') this.watchers.delete(change.session.id);
    });
  }

  on(id: SessionId, watcher: Watcher): Disposable {
    let set = this.watchers.get(id);
    if (!set) this.watchers.set(id, (set = new Set()));
    set.add(watcher);
    return { dispose: () => { set.delete(watcher); } };
  }

  dispose(): void {
    this.sub.dispose();
    this.watchers.clear();
  }
}

export const isEnded = (state: string): boolean => state === 'terminated' || state === 'failed';
