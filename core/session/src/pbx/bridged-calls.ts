import type { Disposable, SessionId, SessionStateChange } from '@rvoip/contracts';
import type { DtmfNotice, SessionLink } from '../events/session-events.js';
import type { PbxContext } from './context.js';
import { isEnded } from './session-watch.js';

interface Pair {
  readonly a: SessionId;
  readonly b: SessionId;
  readonly callId: string;
  readonly startedAt: number;
}

/**
 * The B2BUA's bridged pairs: media pumped leg to leg (the session layer's bridge, which
 * decodes and re-encodes, so legs with different codecs are transcoded), and what one
 * phone does reaching the other: BYE ends the partner, hold/resume (re-INVITE direction)
 * is repeated on the partner leg, RFC 4733 and INFO digits are re-sent with the same
 * method, and a REFER the session layer carries out becomes the partner's new peer.
 */
export class BridgedCalls implements Disposable {
  private readonly partner = new Map<SessionId, Pair>();
  /** Per leg, so digits and hold changes reach the partner in the order they arrived. */
  private readonly queues = new Map<SessionId, Promise<void>>();
  private readonly subs: Disposable[];

  constructor(private readonly ctx: PbxContext) {
    this.subs = [
      ctx.runtime.events.onDtmf((n) => this.onDtmf(n)),
      ctx.runtime.events.onLink((l) => this.onLink(l)),
    ];
  }

  get size(): number {
    return this.partner.size / 2;
  }

  otherOf(id: SessionId): SessionId | undefined {
    const p = this.partner.get(id);
    return p && (p.a === id ? p.b : p.a);
  }

  async link(a: SessionId, b: SessionId, callId: string): Promise<void> {
    const pair: Pair = { a, b, callId, startedAt: Date.now() };
    this.partner.set(a, pair);
    this.partner.set(b, pair);
    await this.ctx.calls.bridge(a, b);
    for (const id of [a, b]) this.ctx.watch.on(id, (c) => this.onChange(pair, c));
    // Either leg may have ended while the bridge was being set up.
    for (const id of [a, b]) if (!this.ctx.sessions.get(id)) this.ended(pair, id, 'gone');
  }

  private onChange(pair: Pair, c: SessionStateChange): void {
    const id = c.session.id;
    if (this.partner.get(id) !== pair) return;
    if (isEnded(c.to)) {
      this.ended(pair, id, c.session.endReason ?? c.cause ?? c.to);
      return;
    }
    const other = pair.a === id ? pair.b : pair.a;
    // Remote hold: on-hold without our own hold flag; remote resume: on-hold -> active directly.
    if (c.to === 'on-hold' && c.from === 'active' && !c.session.held) {
      this.serial(other, () => this.ctx.calls.hold(other), 'hold');
      this.ctx.logger.info({ callId: pair.callId, from: id, to: other, cause: c.cause }, 'pbx relayed hold');
    } else if (c.from === 'on-hold' && c.to === 'active' && c.cause !== 'resumed') {
      this.serial(other, () => this.ctx.calls.resume(other), 'resume');
      this.ctx.logger.info({ callId: pair.callId, from: id, to: other, cause: c.cause }, 'pbx relayed resume');
    }
  }

  private ended(pair: Pair, id: SessionId, reason: string): void {
    if (this.partner.get(id) !== pair) return;
    const other = pair.a === id ? pair.b : pair.a;
    this.partner.delete(pair.a);
    this.partner.delete(pair.b);
    void this.ctx.calls.unbridge(id);
    this.ctx.logger.info({
      callId: pair.callId, endedBy: id === pair.a ? 'caller' : 'callee', reason, durationMs: Date.now() - pair.startedAt,
    }, 'pbx call ended');
    void this.ctx.calls.hangup(other, 'normal').catch((err: unknown) => {
      this.ctx.logger.warn({ err, session: other }, 'pbx could not end the partner leg');
    });
  }

  private onDtmf(n: DtmfNotice): void {
    // Inband digits are already in the audio the bridge carries; re-sending would double them.
    if (n.method === 'inband') return;
    const other = this.otherOf(n.sessionId);
    if (!other) return;
    const method = n.method;
    this.serial(other, () => this.ctx.calls.sendDtmf(other, n.digit, { method, durationMs: Math.max(n.durationMs, 80), gapMs: 0 }), 'dtmf');
    this.ctx.logger.info({ from: n.sessionId, to: other, digit: n.digit, method }, 'pbx relayed dtmf');
  }

  /**
   * The session layer answered a REFER on `sessionId` by calling the target itself; once
   * that call is up, it replaces the transferor as the partner of the other leg.
   */
  private onLink(l: SessionLink): void {
    if (l.kind !== 'transfer') return;
    const keep = this.otherOf(l.sessionId);
    const pair = this.partner.get(l.sessionId);
    if (!keep || !pair) return;
    this.ctx.logger.info({ callId: pair.callId, transferor: l.sessionId, kept: keep, target: l.newSessionId }, 'pbx transfer started');
    const sub = this.ctx.watch.on(l.newSessionId, (c) => {
      if (c.to === 'active') {
        sub.dispose();
        void this.completeTransfer(pair, l.sessionId, keep, l.newSessionId);
      } else if (isEnded(c.to)) {
        sub.dispose();
        this.ctx.logger.info({ callId: pair.callId, target: l.newSessionId, reason: c.session.endReason }, 'pbx transfer failed');
      }
    });
  }

  private async completeTransfer(pair: Pair, transferor: SessionId, keep: SessionId, target: SessionId): Promise<void> {
    if (this.partner.get(keep) !== pair) return;
    this.partner.delete(transferor);
    this.partner.delete(keep);
    await this.ctx.calls.unbridge(keep);
    await this.link(keep, target, pair.callId);
    // The transferor usually held the call first; the kept party must hear the new peer.
    if (this.ctx.sessions.get(keep)?.held) this.serial(keep, () => this.ctx.calls.resume(keep), 'resume');
    this.ctx.logger.info({ callId: pair.callId, kept: keep, target }, 'pbx transfer completed');
  }

  private serial(id: SessionId, task: () => Promise<void>, what: string): void {
    const prev = this.queues.get(id) ?? Promise.resolve();
    const next = prev.then(task).catch((err: unknown) => {
      this.ctx.logger.warn({ err, session: id, what }, 'pbx relay to partner leg failed');
    });
    this.queues.set(id, next);
    void next.then(() => { if (this.queues.get(id) === next) this.queues.delete(id); });
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}
