/**
 * RFC 3262 on the UAS side: a reliable provisional carries Require: 100rel and an RSeq,
 * is retransmitted at T1 doubling (no cap) until a PRACK with a matching RAck arrives, and
 * after 64*T1 unacknowledged the INVITE is to be rejected with a 5xx (3262 section 3).
 */
import { randomInt } from 'node:crypto';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { TimerValues } from '../transaction/timers.js';

export interface PendingReliable {
  rseq: number;
  response: SipResponse;
  acked: () => void;
  failed: () => void;
}

export class ReliableProvisionals {
  private nextRseq = randomInt(1, 2 ** 31);
  private pending: { entry: PendingReliable; timer: NodeJS.Timeout | undefined; deadline: NodeJS.Timeout } | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly timers: TimerValues,
    private readonly resend: (res: SipResponse) => void,
  ) {}

  /** Stamps RSeq/Require onto `res` and keeps it alive until PRACK; resolves on PRACK. */
  send(res: SipResponse, sendFirst: (res: SipResponse) => void): Promise<void> {
    if (this.pending !== undefined) {
      // 3262 section 3: no second reliable provisional before the first is acknowledged.
      return this.whenIdle().then(() => this.send(res, sendFirst));
    }
    const rseq = this.nextRseq++;
    res.headers.set('RSeq', rseq);
    const require = res.headers.get('require');
    if (require === undefined || !/\b100rel\b/i.test(require)) res.headers.append('Require', '100rel');
    res.invalidate();
    return new Promise<void>((resolve, reject) => {
      const entry: PendingReliable = {
        rseq,
        response: res,
        acked: resolve,
        failed: () => reject(new Error(`no PRACK for reliable ${res.status} (RSeq ${rseq}) within 64*T1`)),
      };
      let interval = this.timers.T1;
      const retransmit = (): NodeJS.Timeout => {
        const t = setTimeout(() => {
          if (this.pending?.entry !== entry) return;
          this.resend(res);
          interval *= 2;
          this.pending.timer = retransmit();
        }, interval);
        t.unref?.();
        return t;
      };
      const deadline = setTimeout(() => {
        if (this.pending?.entry !== entry) return;
        this.clear();
        entry.failed();
      }, 64 * this.timers.T1);
      deadline.unref?.();
      this.pending = { entry, timer: retransmit(), deadline };
      sendFirst(res);
    });
  }

  /** Matches a PRACK's RAck (rseq, CSeq number, method) against the outstanding provisional. */
  prack(prack: SipRequest, inviteSeq: number): boolean {
    const rack = prack.rack;
    const p = this.pending;
    if (rack === undefined || p === undefined) return false;
    if (rack.rseq !== p.entry.rseq || rack.cseq !== inviteSeq || rack.method.toUpperCase() !== 'INVITE') return false;
    this.clear();
    p.entry.acked();
    return true;
  }

  get outstanding(): boolean {
    return this.pending !== undefined;
  }

  /** Resolves once no reliable provisional waits for its PRACK. */
  whenIdle(): Promise<void> {
    if (this.pending === undefined) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.clear();
  }

  private clear(): void {
    if (this.pending === undefined) return;
    clearTimeout(this.pending.timer);
    clearTimeout(this.pending.deadline);
    this.pending = undefined;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }
}
