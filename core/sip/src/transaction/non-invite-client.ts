/**
 * Non-INVITE client transaction: RFC 3261 17.1.2.
 *
 *   Trying --1xx--> Proceeding --200-699--> Completed --Timer K--> Terminated
 *      +-----------200-699--------------------^
 *
 * Timer E retransmits on unreliable transports: T1 doubling up to T2 in Trying, every T2
 * in Proceeding. Timer F (64*T1) gives up in Trying or Proceeding. Timer K (T4, zero on
 * reliable transports) absorbs retransmitted finals.
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import type { TransactionContext } from './base.js';
import { ClientTransactionBase } from './client-base.js';

export type NonInviteClientState = 'Trying' | 'Proceeding' | 'Completed';

export class NonInviteClientTransaction extends ClientTransactionBase<NonInviteClientState> {
  readonly kind = 'non-invite-client' as const;
  private lastFinal: SipResponse | undefined;

  constructor(request: SipRequest, branch: string, ctx: TransactionContext) {
    super(request, branch, 'Trying', ctx);
  }

  get finalResponse(): SipResponse | undefined {
    return this.lastFinal;
  }

  protected onStart(): void {
    this.startTimer('F', 64 * this.ctx.timers.T1, () => this.fireTimeout('F'));
  }

  protected onSent(): void {
    const state = this.state;
    if (this.reliable !== false || (state !== 'Trying' && state !== 'Proceeding')) return;
    this.armE(state === 'Trying' ? this.ctx.timers.T1 : this.ctx.timers.T2);
  }

  private armE(interval: number): void {
    this.startTimer('E', interval, () => {
      const state = this.state;
      if (state !== 'Trying' && state !== 'Proceeding') return;
      this.sendAgain(this.request, true);
      const { T2 } = this.ctx.timers;
      this.armE(this.state === 'Proceeding' ? T2 : Math.min(interval * 2, T2));
    });
  }

  receiveResponse(res: SipResponse): void {
    const state = this.state;
    if (state === 'Terminated') return;
    if (state === 'Completed') {
      this.ctx.counters.retransmissionsAbsorbed++;
      return;
    }
    if (res.status < 200) {
      this.setState('Proceeding');
      this.emit('provisional', res);
      return;
    }
    this.stopTimer('E');
    this.stopTimer('F');
    this.lastFinal = res;
    this.setState('Completed');
    this.emit('final', res);
    if (!this.terminated) this.terminateAfter('K', this.reliable === true ? 0 : this.ctx.timers.T4);
  }
}
