/**
 * Non-INVITE server transaction: RFC 3261 17.2.2.
 *
 *   Trying --1xx--> Proceeding --200-699--> Completed --Timer J--> Terminated
 *      +-----------200-699--------------------^
 *
 * Request retransmissions are absorbed in Trying and answered with the latest provisional
 * (Proceeding) or the final (Completed). Timer J (64*T1, zero on reliable transports)
 * keeps the final around for those retransmissions: inside the transaction layer as the
 * final's bytes (`TransactionContext.keepFinal`), the transaction object itself terminating
 * once its final is sent; standalone (no layer), in this object for J.
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import { serializeMessage } from '../message/serializer.js';
import type { TransactionContext } from './base.js';
import { stateError } from './errors.js';
import { ServerTransactionBase } from './server-base.js';
import type { TransactionSource } from './transport.js';

export type NonInviteServerState = 'Trying' | 'Proceeding' | 'Completed';

export class NonInviteServerTransaction extends ServerTransactionBase<NonInviteServerState> {
  readonly kind = 'non-invite-server' as const;

  constructor(request: SipRequest, branch: string, source: TransactionSource, ctx: TransactionContext) {
    super(request, branch, 'Trying', source, ctx);
  }

  respond(res: SipResponse): void {
    this.answer(res, true);
  }

  /**
   * RFC 3261 8.2.7, stateless UAS: a final response sent once, after which the transaction
   * ends at once instead of waiting out Timer J; a retransmitted request is then a new
   * request. For challenges (401/407), where a repeat only earns another challenge: a
   * registrar under load then keeps one transaction per REGISTER instead of two.
   */
  respondStateless(res: SipResponse): void {
    if (res.status < 200) throw stateError(`a stateless answer to ${this.method} ${this.branch} must be final, got ${res.status}`);
    this.answer(res, false);
  }

  private answer(res: SipResponse, keep: boolean): void {
    this.checkResponse(res);
    const state = this.state;
    if (state !== 'Trying' && state !== 'Proceeding') this.rejectInState(res);
    if (res.status < 200) {
      this.lastProvisional = res;
      this.setState('Proceeding');
      this.send(res, false);
      return;
    }
    this.lastFinal = res;
    this.setState('Completed');
    const waitJ = this.reliable || !keep ? 0 : 64 * this.ctx.timers.T1;
    // The layer absorbs Timer J's retransmissions from the final's bytes alone (see
    // completed-finals.ts), so this object, with its request and response, can go at once.
    const kept = waitJ > 0 && this.ctx.keepFinal !== undefined ? this.keepFinal(res) : false;
    if (!kept) this.send(res, false, undefined, waitJ === 0);
    if (this.terminated) return;
    this.terminateAfter('J', kept ? 0 : waitJ);
  }

  /** Sends the final serialized once and hands those bytes to the layer; false if it could not. */
  private keepFinal(res: SipResponse): boolean {
    let wire: Buffer;
    try {
      wire = serializeMessage(res);
    } catch {
      return false;
    }
    if (!this.ctx.keepFinal!(this, wire)) return false;
    this.send(res, false, wire, true);
    return true;
  }

  receiveRequest(_req: SipRequest, _source: TransactionSource): void {
    const state = this.state;
    if (state === 'Terminated') return;
    this.absorb();
    if (state === 'Proceeding' && this.lastProvisional) this.send(this.lastProvisional, true);
    else if (state === 'Completed' && this.lastFinal) this.send(this.lastFinal, true);
  }
}
