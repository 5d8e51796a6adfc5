/**
 * INVITE server transaction: RFC 3261 17.2.1 with the RFC 6026 Accepted state.
 *
 *   Proceeding --300-699--> Completed --ACK--> Confirmed --Timer I--> Terminated
 *       |                      +--Timer H--> Terminated (timeout)
 *       +--2xx--> Accepted --Timer L--> Terminated
 *
 * A 100 Trying goes out on the TU's behalf when it stays silent for `timers.trying` (200 ms).
 * Timer G retransmits a non-2xx final on unreliable transports (T1 doubling, capped at T2)
 * until the ACK arrives or Timer H (64*T1) gives up. In Accepted, INVITE retransmissions
 * are absorbed, the TU's own 2xx retransmissions pass through, and ACKs go up to the TU.
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import type { TransactionContext } from './base.js';
import { ServerTransactionBase } from './server-base.js';
import type { TransactionSource } from './transport.js';

export type InviteServerState = 'Proceeding' | 'Completed' | 'Confirmed' | 'Accepted';

export class InviteServerTransaction extends ServerTransactionBase<InviteServerState> {
  readonly kind = 'invite-server' as const;
  private cancelled = false;

  constructor(request: SipRequest, branch: string, source: TransactionSource, ctx: TransactionContext) {
    super(request, branch, 'Proceeding', source, ctx);
    this.startTimer('Trying', ctx.timers.trying, () => this.sendTrying());
  }

  /** True once a CANCEL matched this transaction. */
  get isCancelled(): boolean {
    return this.cancelled;
  }

  markCancelled(): void {
    this.cancelled = true;
  }

  private sendTrying(): void {
    if (this.state !== 'Proceeding' || this.lastProvisional) return;
    this.lastProvisional = this.createResponse(100);
    this.send(this.lastProvisional, false);
  }

  respond(res: SipResponse): void {
    this.checkResponse(res);
    const state = this.state;
    if (state === 'Accepted' && res.status >= 200 && res.status < 300) {
      // RFC 6026 7.1: the TU retransmits its 2xx itself; we just carry it.
      this.send(res, true);
      return;
    }
    if (state !== 'Proceeding') this.rejectInState(res);
    this.stopTimer('Trying');
    if (res.status < 200) {
      this.lastProvisional = res;
      this.send(res, false);
    } else if (res.status < 300) {
      this.lastFinal = res;
      this.setState('Accepted');
      this.startTimer('L', 64 * this.ctx.timers.T1, () => this.terminate('completed'));
      this.send(res, false);
    } else {
      this.lastFinal = res;
      this.setState('Completed');
      if (!this.reliable) this.armG(this.ctx.timers.T1);
      this.startTimer('H', 64 * this.ctx.timers.T1, () => this.fireTimeout('H'));
      this.send(res, false);
    }
  }

  private armG(interval: number): void {
    this.startTimer('G', interval, () => {
      if (this.state !== 'Completed' || !this.lastFinal) return;
      this.send(this.lastFinal, true);
      this.armG(Math.min(interval * 2, this.ctx.timers.T2));
    });
  }

  receiveRequest(req: SipRequest, source: TransactionSource): void {
    const state = this.state;
    if (state === 'Terminated') return;
    if (req.method === 'ACK') {
      this.receiveAck(req, source);
      return;
    }
    this.absorb();
    if (state === 'Proceeding') {
      // 17.2.1: answer with the latest provisional; if none went out yet, 100 now.
      if (this.lastProvisional) this.send(this.lastProvisional, true);
      else this.sendTrying();
    } else if (state === 'Completed' && this.lastFinal) {
      this.send(this.lastFinal, true);
    }
  }

  private receiveAck(ack: SipRequest, source: TransactionSource): void {
    const state = this.state;
    if (state === 'Completed') {
      this.stopTimer('G');
      this.stopTimer('H');
      this.setState('Confirmed');
      // Timer I absorbs ACK retransmissions; zero on reliable transports.
      this.terminateAfter('I', this.reliable ? 0 : this.ctx.timers.T4);
    } else if (state === 'Accepted') {
      this.notify('ack', ack, source);
    } else {
      this.absorb();
    }
  }
}
