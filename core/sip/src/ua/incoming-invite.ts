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
import { ReliableProvisionals } from './reliable-provisional.js';
import { applyResponseOptions } from './responses.js';
import type { IncomingInvite, ResponseOptions, SipDialog } from './types.js';

export class IncomingInviteImpl implements IncomingInvite {
  private cancelListeners: Array<(cancel: SipRequest) => void> = [];
  private wasCancelled = false;
  private answered = false;
  /** The early dialog our first tagged provisional created (12.1.1); confirmed by the 2xx. */
  private early: DialogUsage | undefined;
  private readonly reliable: ReliableProvisionals;

  constructor(
    readonly request: SipRequest,
    readonly source: ReceivedInfo,
    private readonly tx: InviteServerTransaction,
    private readonly ctx: UaContext,
  ) {
    this.reliable = new ReliableProvisionals(ctx.timers, (res) => this.resendProvisional(res));
  }

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
    this.endEarly();
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
    this.trackEarlyDialog(res);
    if (opts.reliable !== true || !this.peerSupports100rel()) {
      this.tx.respond(res);
      return;
    }
    try {
      await this.reliable.send(res, (r) => this.tx.respond(r));
    } catch (err) {
      // 3262 section 3: a reliable provisional never acknowledged fails the INVITE with a 5xx.
      if (!this.answered) await this.reject(504, { reason: 'No PRACK' });
      throw new SipUaStateError(err instanceof Error ? err.message : String(err), { callId: this.request.callId });
    }
  }

  private peerSupports100rel(): boolean {
    return [...this.request.supported, ...this.request.require].some((t) => t.toLowerCase() === '100rel');
  }

  private trackEarlyDialog(res: SipResponse): void {
    if (this.early !== undefined) return;
    this.early = new DialogUsage(createUasDialog(this.request, res), this.ctx, this.request.body);
    this.early.prackHandler = (prack) => this.reliable.prack(prack, this.request.cseq.seq);
    this.ctx.addDialog(this.early);
  }

  private resendProvisional(res: SipResponse): void {
    if (this.tx.finalResponse !== undefined) return;
    try {
      this.tx.respond(res);
    } catch {
      // The transaction moved on (final sent); nothing left to retransmit.
    }
  }

  private endEarly(): void {
    this.reliable.close();
    this.early?.end('closed');
  }

  accept(opts: ResponseOptions = {}): Promise<SipDialog> {
    if (this.answered) {
      return Promise.reject(new SipUaStateError(`INVITE ${this.request.callId} was already answered${this.wasCancelled ? ' (cancelled)' : ''}`));
    }
    this.answered = true;
    const res = this.build(200, opts, true);
    let usage = this.early;
    if (usage === undefined) {
      usage = new DialogUsage(createUasDialog(this.request, res), this.ctx, this.request.body);
      this.ctx.addDialog(usage);
    } else {
      usage.dialog.confirm();
      usage.prackHandler = (prack) => this.reliable.prack(prack, this.request.cseq.seq);
    }
    const confirmed = usage;
    return this.reliable.whenIdle().then(() => this.sendAccept(confirmed, res));
  }

  private sendAccept(usage: DialogUsage, res: SipResponse): Promise<SipDialog> {
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
    this.endEarly();
    this.tx.respond(this.build(status, opts, false));
  }

  private build(status: number, opts: ResponseOptions, withContact: boolean): SipResponse {
    const res = this.tx.createResponse(status);
    if (withContact) res.headers.append('Contact', this.ctx.contactFor(this.source.protocol));
    if (status >= 200 && status < 300) res.headers.append('Allow', this.ctx.allowed().join(', '));
    return applyResponseOptions(res, opts, this.ctx.userAgent);
  }
}
