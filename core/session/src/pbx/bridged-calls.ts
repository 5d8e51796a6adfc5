import type { Disposable, SessionId, SessionStateChange } from '@rvoip/contracts';
import type { DtmfNotice, SessionLink } from '../events/session-events.js';
import type { PbxContext } from './context.js';
import { isEnded } from './session-watch.js';

/** How long the transferor gets to BYE its own leg after the success NOTIFY before we do. */
const TRANSFEROR_GRACE_MS = 2_000;

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
    for (const id of [a, b]) this.ctx.watch.on(id, (c) => this.onChange(pair, c));
    try {
      await this.ctx.calls.bridge(a, b);
    } catch (err) {
      // A leg that is already gone has no media left to bridge; the check below ends the other.
      if (this.ctx.sessions.get(a) && this.ctx.sessions.get(b)) throw err;
    }
    // Either leg may have ended before or while the bridge was being set up.
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

  /**
   * Attended transfer across the B2BUA: a phone talks to two parties through us and sends a
   * REFER on one call (`transferor`) whose Replaces names its dialog of the other call
   * (`replaced`). Both of its partners are joined to each other, the replaced leg is ended
   * with BYE (as RFC 3891's target does) and the transferor's leg is left for the phone to
   * BYE after the success NOTIFY, or ended by us if it does not. Undefined when the legs
   * are not both bridged here (the session layer then falls back to calling the target).
   */
  async join(transferor: SessionId, replaced: SessionId): Promise<{ status: number; reason: string } | undefined> {
    const p1 = this.partner.get(transferor);
    const p2 = this.partner.get(replaced);
    const keep1 = this.otherOf(transferor);
    const keep2 = this.otherOf(replaced);
    if (!p1 || !p2 || p1 === p2 || !keep1 || !keep2) return undefined;
    for (const id of [transferor, replaced, keep1, keep2]) this.partner.delete(id);
    await this.ctx.calls.unbridge(transferor);
    await this.ctx.calls.unbridge(replaced);
    if (!this.ctx.sessions.get(keep1) || !this.ctx.sessions.get(keep2)) {
      // A party left meanwhile: end whatever is still up rather than leave it alone.
      for (const id of [keep1, keep2, replaced]) void this.ctx.calls.hangup(id, 'normal').catch(() => undefined);
      return { status: 487, reason: 'Request Terminated' };
    }
    await this.link(keep1, keep2, p1.callId);
    // The transferor usually held both parties; they must hear each other now.
    for (const id of [keep1, keep2]) {
      if (this.ctx.sessions.get(id)?.held) this.serial(id, () => this.ctx.calls.resume(id), 'resume');
    }
    void this.ctx.calls.hangup(replaced, 'transferred').catch((err: unknown) => {
      this.ctx.logger.warn({ err, session: replaced }, 'pbx could not end the replaced leg');
    });
    const grace = setTimeout(() => void this.ctx.calls.hangup(transferor, 'transferred').catch(() => undefined), TRANSFEROR_GRACE_MS);
    grace.unref();
    void this.ctx.calls.ended(transferor).then(() => clearTimeout(grace));
    this.ctx.logger.info({ callId: p1.callId, replacedCallId: p2.callId, transferor, replaced, joined: [keep1, keep2] }, 'pbx attended transfer completed');
    return { status: 200, reason: 'OK' };
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
