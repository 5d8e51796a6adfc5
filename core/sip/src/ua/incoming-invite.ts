/**
 * An initial INVITE on the UAS side: provisional answers (early dialog), the 2xx with
 * its retransmission until ACK (13.3.1.4), rejection, and CANCEL notification.
 */
import { createUasDialog } from '../dialog/dialog-factory.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { InviteServerTransaction } from '../transaction/invite-server.js';
import type { ReceivedInfo } from '../transport/types.js';
import type { UaContext } from './context.js';
import { DialogUsage } from './dialog-usage.js';
import { SipUaStateError } from './errors.js';
import { applyResponseOptions } from './responses.js';
import type { IncomingInvite, ResponseOptions, SipDialog } from './types.js';

export class IncomingInviteImpl implements IncomingInvite {
  private cancelListeners: Array<(cancel: SipRequest) => void> = [];
  private wasCancelled = false;
  private answered = false;

  constructor(
    readonly request: SipRequest,
    readonly source: ReceivedInfo,
    private readonly tx: InviteServerTransaction,
    private readonly ctx: UaContext,
  ) {}

  get cancelled(): boolean {
    return this.wasCancelled;
  }

  onCancel(listener: (cancel: SipRequest) => void): void {
    this.cancelListeners.push(listener);
  }

  /** Called by the UAS core after it answered the CANCEL and the INVITE with 487. */
  cancel(cancel: SipRequest): void {
    if (this.wasCancelled) return;
    this.wasCancelled = true;
    this.answered = true;
    for (const l of this.cancelListeners) l(cancel);
  }

  async respond(status: number, opts: ResponseOptions = {}): Promise<void> {
    if (status >= 200 && status < 300) {
      await this.accept(opts);
      return;
    }
    if (status < 200) await this.progress(status, opts);
    else await this.reject(status, opts);
  }

  async progress(status: number, opts: ResponseOptions & { reliable?: boolean } = {}): Promise<void> {
    if (status <= 100 || status >= 200) throw new SipUaStateError(`progress() takes 101-199, got ${status}`);
    if (this.answered) throw new SipUaStateError(`INVITE ${this.request.callId} already has a final answer; ${status} not sent`);
    const res = this.build(status, opts, true);
    this.tx.respond(res);
  }

  accept(opts: ResponseOptions = {}): Promise<SipDialog> {
    if (this.answered) {
      return Promise.reject(new SipUaStateError(`INVITE ${this.request.callId} was already answered${this.wasCancelled ? ' (cancelled)' : ''}`));
    }
    this.answered = true;
    const res = this.build(200, opts, true);
    const dialog = createUasDialog(this.request, res);
    const usage = new DialogUsage(dialog, this.ctx, this.request.body);
    this.ctx.addDialog(usage);
    return new Promise<SipDialog>((resolve, reject) => {
      usage.expectAck(
        this.request.cseq.seq,
        () => {
          if (usage.state === 'terminated') reject(new SipUaStateError(`dialog ${usage.id} ended before the ACK`));
          else resolve(usage);
        },
        () => reject(new SipUaStateError(`no ACK arrived for the 2xx to INVITE ${this.request.callId}`, { callId: this.request.callId })),
      );
      this.tx.respond(res);
      this.ctx.retransmitter.start(usage.id, res, { source: this.source, reliable: this.source.protocol !== 'udp' });
    });
  }

  async reject(status: number, opts: ResponseOptions = {}): Promise<void> {
    if (status < 300) throw new SipUaStateError(`reject() takes 300-699, got ${status}`);
    if (this.answered) return;
    this.answered = true;
    this.tx.respond(this.build(status, opts, false));
  }

  private build(status: number, opts: ResponseOptions, withContact: boolean): SipResponse {
    const res = this.tx.createResponse(status);
    if (withContact) res.headers.append('Contact', this.ctx.contactFor(this.source.protocol));
    if (status >= 200 && status < 300) res.headers.append('Allow', this.ctx.allowed().join(', '));
    return applyResponseOptions(res, opts, this.ctx.userAgent);
  }
}
