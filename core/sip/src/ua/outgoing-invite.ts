/**
 * An INVITE on the UAC side: early dialogs from tagged provisionals, the first 2xx wins
 * (ACKed and confirmed), later forked 2xx are ACKed and released with BYE (13.2.2.4),
 * 401/407 answered once per challenge, CANCEL before the final answer.
 */
import { createUacDialog, createsDialog } from '../dialog/dialog-factory.js';
import type { DigestClient } from '../auth/digest-client.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { InviteClientTransaction } from '../transaction/invite-client.js';
import type { ClientTransaction } from '../transaction/layer.js';
import type { RemoteTarget } from '../transport/types.js';
import type { UaContext } from './context.js';
import { sendWithAuth } from './client-request.js';
import { DialogUsage, rejectionError } from './dialog-usage.js';
import { SipRequestError, SIP_UA_CANCELLED } from './errors.js';
import type { OutgoingInvite, SipDialog } from './types.js';

export class OutgoingInviteImpl implements OutgoingInvite {
  readonly answered: Promise<SipDialog>;
  private readonly provisionalListeners: Array<(res: SipResponse, early: SipDialog | undefined) => void> = [];
  private readonly early = new Map<string, DialogUsage>();
  private winner: DialogUsage | undefined;
  private current: InviteClientTransaction | undefined;
  private cancelRequested = false;
  private currentRequest: SipRequest;

  constructor(
    readonly request: SipRequest,
    private readonly ctx: UaContext,
    target: RemoteTarget | undefined,
    digest: DigestClient | undefined,
  ) {
    this.currentRequest = request;
    this.answered = this.run(target, digest);
    // The caller may only await `answered` later; never let a rejection go unobserved.
    this.answered.catch(() => undefined);
  }

  onProvisional(listener: (res: SipResponse, early: SipDialog | undefined) => void): void {
    this.provisionalListeners.push(listener);
  }

  async cancel(reason?: string): Promise<void> {
    this.cancelRequested = true;
    const tx = this.current;
    if (tx === undefined || this.winner !== undefined) return;
    if (tx.state !== 'Calling' && tx.state !== 'Proceeding') return;
    const cancelTx = await this.ctx.transactions.cancel(tx);
    if (reason !== undefined) void reason;
    void cancelTx;
  }

  private async run(target: RemoteTarget | undefined, digest: DigestClient | undefined): Promise<SipDialog> {
    const { request, response } = await sendWithAuth(this.ctx.transactions, this.request, target, digest, {
      onTransaction: (tx: ClientTransaction) => this.track(tx as InviteClientTransaction),
      onProvisional: (res) => this.provisional(res),
      onSuccess: (res) => this.success(res),
    });
    this.currentRequest = request;
    for (const usage of this.early.values()) if (usage !== this.winner) usage.end('closed');
    this.early.clear();
    if (response.status >= 200 && response.status < 300 && this.winner !== undefined) return this.winner;
    if (response.status === 487 && this.cancelRequested) {
      throw new SipRequestError(SIP_UA_CANCELLED, `INVITE ${request.rawUri} was cancelled`, 487, response.reason);
    }
    throw rejectionError('INVITE', request.rawUri, response);
  }

  private track(tx: InviteClientTransaction): void {
    this.current = tx;
    this.currentRequest = tx.request;
    // A CANCEL asked for before the INVITE was even on the wire applies to it now.
    if (this.cancelRequested) void this.cancel();
  }

  private provisional(res: SipResponse): void {
    let usage: DialogUsage | undefined;
    if (createsDialog(res)) {
      const tag = res.to.tag!;
      usage = this.early.get(tag);
      if (usage === undefined) {
        usage = new DialogUsage(createUacDialog(this.currentRequest, res), this.ctx, res.body);
        this.early.set(tag, usage);
      } else {
        usage.dialog.refreshTarget(res);
      }
      if (res.body.length > 0) usage.remoteDescription = res.body;
    }
    for (const l of this.provisionalListeners) l(res, usage);
  }

  private success(res: SipResponse): void {
    const tag = res.to.tag ?? '';
    const known = this.winner?.dialog.remoteTag === tag ? this.winner : undefined;
    if (known !== undefined) {
      known.handleStray2xx(res);
      return;
    }
    let usage = this.early.get(tag);
    if (usage !== undefined) {
      usage.dialog.confirm(res);
      usage.dialog.refreshTarget(res);
      if (res.body.length > 0) usage.remoteDescription = res.body;
    } else {
      usage = new DialogUsage(createUacDialog(this.currentRequest, res), this.ctx, res.body);
    }
    this.ctx.addDialog(usage);
    usage.ackFor(this.currentRequest);
    if (this.winner === undefined) {
      this.winner = usage;
      return;
    }
    // A second fork answered: it has a dialog of its own that we do not want.
    this.ctx.logger.info({ callId: res.callId, tag }, 'releasing an extra forked 2xx with BYE');
    void usage.bye();
  }
}
