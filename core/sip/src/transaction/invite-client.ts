/**
 * INVITE client transaction: RFC 3261 17.1.1 with the RFC 6026 Accepted state.
 *
 *   Calling --1xx--> Proceeding --300-699--> Completed --Timer D--> Terminated
 *      |                 |
 *      +------2xx--------+--> Accepted --Timer M--> Terminated
 *
 * Timer A retransmits in Calling on unreliable transports (T1, doubling, uncapped);
 * Timer B (64*T1) gives up in Calling. The ACK for a non-2xx is ours; the ACK for a 2xx
 * belongs to the TU (a new transaction), so in Accepted every 2xx goes up to it.
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import type { TransactionContext } from './base.js';
import { ClientTransactionBase } from './client-base.js';
import { createAckForNon2xx } from './request-builders.js';

export type InviteClientState = 'Calling' | 'Proceeding' | 'Completed' | 'Accepted';

export class InviteClientTransaction extends ClientTransactionBase<InviteClientState> {
  readonly kind = 'invite-client' as const;
  private ack: SipRequest | undefined;
  private lastFinal: SipResponse | undefined;

  constructor(request: SipRequest, branch: string, ctx: TransactionContext) {
    super(request, branch, 'Calling', ctx);
  }

  /** The ACK this transaction generated for a non-2xx final response, if any. */
  get generatedAck(): SipRequest | undefined {
    return this.ack;
  }

  get finalResponse(): SipResponse | undefined {
    return this.lastFinal;
  }

  protected onStart(): void {
    this.startTimer('B', 64 * this.ctx.timers.T1, () => this.fireTimeout('B'));
  }

  protected onSent(): void {
    if (this.state === 'Calling' && this.reliable === false) this.armA(this.ctx.timers.T1);
  }

  private armA(interval: number): void {
    this.startTimer('A', interval, () => {
      if (this.state !== 'Calling') return;
      this.sendAgain(this.request, true);
      this.armA(interval * 2);
    });
  }

  receiveResponse(res: SipResponse): void {
    const state = this.state;
    if (state === 'Terminated') return;
    if (res.status < 200) {
      if (state === 'Calling' || state === 'Proceeding') {
        this.leaveCalling();
        this.setState('Proceeding');
        this.emit('provisional', res);
      } else {
        this.absorb();
      }
    } else if (res.status < 300) {
      if (state === 'Calling' || state === 'Proceeding') {
        this.leaveCalling();
        this.lastFinal = res;
        this.setState('Accepted');
        this.startTimer('M', 64 * this.ctx.timers.T1, () => this.terminate('completed'));
        this.emit('final', res);
      } else if (state === 'Accepted') {
        // RFC 6026 8.4: retransmissions and other forks' 2xx go to the TU, which ACKs them.
        this.emit('final', res);
      } else {
        this.absorb();
      }
    } else if (state === 'Calling' || state === 'Proceeding') {
      this.leaveCalling();
      this.lastFinal = res;
      this.ack = createAckForNon2xx(this.request, res);
      this.setState('Completed');
      this.sendAgain(this.ack, false);
      this.emit('final', res);
      // Timer D absorbs retransmitted finals; zero on reliable transports (17.1.1.2).
      if (!this.terminated) this.terminateAfter('D', this.reliable === true ? 0 : this.ctx.timers.D);
    } else if (state === 'Completed') {
      // The server did not get our ACK: send it again, do not bother the TU.
      this.absorb();
      if (this.ack) this.sendAgain(this.ack, true);
    } else {
      this.absorb();
    }
  }

  private leaveCalling(): void {
    this.stopTimer('A');
    this.stopTimer('B');
  }

  private absorb(): void {
    this.ctx.counters.retransmissionsAbsorbed++;
  }
}
