/**
 * A confirmed (or early) INVITE dialog as the application sees it: requests both ways,
 * re-INVITE with its ACK, 2xx reliability for re-INVITEs we answer, BYE, and the
 * 12.2.1.2 rule that 481/408 to an in-dialog request ends the dialog.
 */
import type { Dialog } from '../dialog/dialog.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { ReceivedInfo } from '../transport/types.js';
import type { DialogUsageHandle, Responder, UaContext } from './context.js';
import { runTransaction } from './client-request.js';
import { SipRequestError, SipUaStateError, SIP_UA_REJECTED } from './errors.js';
import type { DialogEndReason, IncomingRequest, ResponseOptions, SipDialog } from './types.js';

export class DialogUsage implements SipDialog, DialogUsageHandle {
  remoteDescription: Buffer;
  private readonly requestListeners: Array<(req: IncomingRequest) => void> = [];
  private readonly endListeners: Array<(reason: DialogEndReason) => void> = [];
  /** ACKs we sent, by INVITE CSeq, resent when the peer retransmits its 2xx. */
  private readonly acks = new Map<number, SipRequest>();
  /** Pending UAS 2xx waits keyed by INVITE CSeq. */
  private readonly ackWaits = new Map<number, { acked: () => void; timedOut: () => void }>();
  private byeSent = false;
  /** UAS early dialog: matches a PRACK against our outstanding reliable provisional. */
  prackHandler: ((prack: SipRequest) => boolean) | undefined;
  /** Requests that arrived before the application attached a listener (e.g. a re-INVITE racing our ACK wait). */
  private readonly queued: Array<{ incoming: IncomingRequest; timer: NodeJS.Timeout }> = [];

  constructor(
    readonly dialog: Dialog,
    private readonly ctx: UaContext,
    remoteDescription: Buffer,
  ) {
    this.remoteDescription = remoteDescription;
  }

  get id(): string {
    return this.dialog.id;
  }
  get callId(): string {
    return this.dialog.callId;
  }
  get localTag(): string {
    return this.dialog.localTag;
  }
  get remoteTag(): string {
    return this.dialog.remoteTag;
  }
  get localUri(): string {
    return this.dialog.localUri.toString();
  }
  get remoteUri(): string {
    return this.dialog.remoteUri.toString();
  }
  get remoteTarget(): string {
    return this.dialog.remoteTarget;
  }
  get state(): 'early' | 'confirmed' | 'terminated' {
    return this.dialog.state;
  }

  onRequest(listener: (req: IncomingRequest) => void): void {
    this.requestListeners.push(listener);
    const queued = this.queued.splice(0);
    for (const q of queued) {
      clearTimeout(q.timer);
      listener(q.incoming);
    }
  }

  onTerminated(listener: (reason: DialogEndReason) => void): void {
    this.endListeners.push(listener);
  }

  async request(method: string, opts: Omit<ResponseOptions, 'reason'> = {}): Promise<SipResponse> {
    if (this.dialog.state === 'terminated') throw new SipUaStateError(`cannot send ${method}: dialog ${this.id} has ended`, { dialog: this.id });
    const headers = (opts.headers ?? []).map(([n, v]) => [n, String(v)] as [string, string]);
    const req = this.dialog.createRequest(method, {
      headers,
      ...(opts.body === undefined ? {} : { body: opts.body, contentType: opts.contentType ?? 'application/sdp' }),
    });
    req.headers.append('User-Agent', this.ctx.userAgent);
    req.invalidate();
    let res: SipResponse;
    try {
      res = await runTransaction(this.ctx.transactions, req, undefined, {
        onSuccess: () => (method === 'INVITE' ? this.ackInvite(req) : undefined),
      });
    } catch (err) {
      // 12.2.1.2: no answer at all to an in-dialog request ends the dialog.
      if (err instanceof SipRequestError && method !== 'BYE') this.end('transport-error');
      throw err;
    }
    if (res.status >= 200 && res.status < 300) {
      this.dialog.refreshTarget(res);
      if (method === 'INVITE' || method === 'UPDATE') this.remoteDescription = res.body.length > 0 ? res.body : this.remoteDescription;
    } else if ((res.status === 481 || res.status === 408) && method !== 'BYE') {
      this.end('remote-bye');
    }
    return res;
  }

  async bye(opts: { headers?: Array<[string, string | number]> } = {}): Promise<void> {
    if (this.byeSent || this.dialog.state === 'terminated') return;
    this.byeSent = true;
    try {
      const res = await this.request('BYE', { headers: opts.headers ?? [] });
      if (res.status >= 300 && res.status !== 481 && res.status !== 408) {
        this.ctx.logger.warn({ dialog: this.id, status: res.status }, 'BYE answered with a failure; dialog ended anyway');
      }
    } catch (err) {
      this.ctx.logger.debug({ dialog: this.id, err }, 'BYE got no answer; dialog ended anyway');
    } finally {
      this.end('local-bye');
    }
  }

  /**
   * The UAS side: the 2xx we sent for INVITE `seq` is being retransmitted by the
   * stack's retransmitter; `acked` runs on its ACK, `timedOut` when 64*T1 passed first.
   */
  expectAck(seq: number, acked: () => void, timedOut: () => void = () => undefined): void {
    this.ackWaits.set(seq, { acked, timedOut });
  }

  handleAck(ack: SipRequest): void {
    const seq = ack.cseq.seq;
    const wait = this.ackWaits.get(seq);
    if (wait === undefined) return;
    this.ackWaits.delete(seq);
    this.ctx.retransmitter.ackReceived(this.id, seq);
    if (ack.body.length > 0) this.remoteDescription = ack.body;
    wait.acked();
  }

  /** 13.3.1.4: no ACK within 64*T1 — the dialog is ended with BYE. */
  ackTimedOut(seq: number): void {
    const wait = this.ackWaits.get(seq);
    this.ackWaits.delete(seq);
    this.ctx.logger.warn({ dialog: this.id, seq }, 'no ACK for our 2xx within 64*T1; ending the dialog with BYE');
    wait?.timedOut();
    void this.bye();
  }

  handleStray2xx(res: SipResponse): void {
    const ack = this.acks.get(res.cseq.seq);
    if (ack !== undefined) this.ctx.transactions.sendAck(ack).catch(() => undefined);
  }

  handleRequest(req: SipRequest, respond: Responder, source: ReceivedInfo): void {
    if (this.dialog.checkRemoteCSeq(req) === 'out-of-order') {
      void respond(500, { reason: 'CSeq Out of Order' });
      return;
    }
    if (req.method === 'BYE') {
      void respond(200).finally(() => this.end('remote-bye'));
      return;
    }
    if (req.method === 'PRACK') {
      // RFC 3262 section 3: a PRACK matching no unacknowledged provisional gets 481.
      const matched = this.prackHandler?.(req) ?? false;
      if (matched && req.body.length > 0) this.remoteDescription = req.body;
      void respond(matched ? 200 : 481);
      return;
    }
    if (req.method === 'INVITE' || req.method === 'UPDATE') {
      this.dialog.refreshTarget(req);
      if (req.body.length > 0) this.remoteDescription = req.body;
    }
    const incoming: IncomingRequest = { request: req, source, respond };
    if (this.requestListeners.length > 0) {
      for (const listener of this.requestListeners) listener(incoming);
      return;
    }
    // Give the application a moment to attach a listener (it may still be awaiting accept()).
    const timer = setTimeout(() => {
      const idx = this.queued.findIndex((q) => q.incoming === incoming);
      if (idx < 0) return;
      this.queued.splice(idx, 1);
      this.answerUnhandled(req, respond);
    }, 4 * this.ctx.timers.T1);
    timer.unref?.();
    this.queued.push({ incoming, timer });
  }

  private answerUnhandled(req: SipRequest, respond: Responder): void {
    // Nobody handles re-INVITE/UPDATE: keep the session as it is rather than fail it.
    if (req.method === 'INVITE' || req.method === 'UPDATE') void respond(488);
    else void respond(405, { headers: [['Allow', this.ctx.allowed().join(', ')]] });
  }

  /** Ends the dialog without BYE (peer hung up, ACK never came, stack closing). */
  end(reason: DialogEndReason): void {
    if (!this.dialog.terminate()) return;
    for (const wait of this.ackWaits.values()) wait.acked();
    this.ackWaits.clear();
    this.ctx.retransmitter.cancelDialog(this.id);
    for (const q of this.queued.splice(0)) {
      clearTimeout(q.timer);
      void q.incoming.respond(481).catch(() => undefined);
    }
    this.ctx.removeDialog(this.id);
    for (const listener of this.endListeners) {
      try {
        listener(reason);
      } catch (err) {
        this.ctx.logger.error({ err, dialog: this.id }, 'dialog end listener threw');
      }
    }
  }

  close(): void {
    this.end('closed');
  }

  /** ACKs the 2xx that confirmed this dialog (the initial INVITE, sent outside it). */
  ackFor(invite: SipRequest): void {
    this.ackInvite(invite);
  }

  /** 13.2.2.4: ACK every 2xx to our INVITE; a retransmitted 2xx gets the same ACK again. */
  private ackInvite(invite: SipRequest): void {
    const seq = invite.cseq.seq;
    let ack = this.acks.get(seq);
    if (ack === undefined) {
      ack = this.dialog.createAck(seq);
      this.acks.clear();
      this.acks.set(seq, ack);
    }
    this.ctx.transactions.sendAck(ack).catch((err: unknown) => this.ctx.logger.warn({ err, dialog: this.id }, 'ACK could not be sent'));
  }
}

export function rejectionError(method: string, uri: string, res: SipResponse): SipRequestError {
  return new SipRequestError(SIP_UA_REJECTED, `${method} ${uri} was rejected with ${res.status} ${res.reason}`, res.status, res.reason);
}
