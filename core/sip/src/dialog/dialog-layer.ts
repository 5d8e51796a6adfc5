/**
 * The dialog table: creates dialogs from the messages that establish them (both roles),
 * finds the dialog of every in-dialog message, enforces the 12.2.2 checks (481, 500),
 * keeps the 2xx/ACK exchange reliable and removes dialogs when they end, so the table
 * only ever holds live dialogs.
 */
import type { Logger } from '@rvoip/contracts';
import { silentLogger } from '@rvoip/contracts';
import type { SipRequest, SipResponse } from '../message/message.js';
import { TypedEmitter } from '../transaction/emitter.js';
import { createResponse } from '../transaction/response.js';
import type { TimerHandle, TimerScheduler, TimerValues } from '../transaction/timers.js';
import { realScheduler, resolveTimers } from '../transaction/timers.js';
import type { TransactionSource, TransactionTarget } from '../transaction/transport.js';
import type { Dialog, InDialogRequestOptions } from './dialog.js';
import { createUacDialog, createUasDialog, createsDialog } from './dialog-factory.js';
import { dialogIdAtCallee, dialogIdAtCaller } from './dialog-id.js';
import { DialogError } from './errors.js';
import type { Ack2xxTimeout } from './invite-2xx.js';
import { UacAckCache, Uas2xxRetransmitter } from './invite-2xx.js';
import type { DialogWire } from './wire.js';

export type DialogTerminationReason =
  /** BYE sent or received. */
  | 'bye'
  /** The INVITE got a final non-2xx: its early dialogs end (12.3). */
  | 'rejected'
  /** Another fork answered 2xx and this early dialog saw none within 64*T1 (13.2.2.4). */
  | 'early-timeout'
  /** The INVITE transaction ended without a final response (Timer B, transport error). */
  | 'timeout'
  /** 481 or 408 to a request inside the dialog (12.2.1.2). */
  | 'peer-gone'
  /** The TU ended it. */
  | 'local';

export type DialogLayerEvents = {
  created: (dialog: Dialog) => void;
  confirmed: (dialog: Dialog) => void;
  targetRefreshed: (dialog: Dialog) => void;
  terminated: (dialog: Dialog, reason: DialogTerminationReason) => void;
  /** No ACK for our 2xx within 64*T1 (13.3.1.4): the TU should send BYE. */
  ackTimeout: (dialog: Dialog, response: SipResponse) => void;
};

export interface DialogLayerOptions {
  wire: DialogWire;
  timers?: Partial<TimerValues>;
  scheduler?: TimerScheduler;
  logger?: Logger;
}

/** What the UAC learns from a response to a request it sent. */
export interface UacResponseOutcome {
  dialog: Dialog | undefined;
  /** The response created this dialog (first 1xx/2xx from this remote tag). */
  created: boolean;
  /** A 2xx to INVITE already seen for this dialog and CSeq; its ACK, if any, was re-sent. */
  retransmission: boolean;
}

export type InDialogVerdict =
  /** No To tag: not inside a dialog; the TU handles it (maybe creating one). */
  | { kind: 'out-of-dialog' }
  | { kind: 'in-dialog'; dialog: Dialog }
  /** ACK matching no dialog: nothing to answer (17.2.3 strays); drop it. */
  | { kind: 'stray-ack' }
  /** 481 for an unknown dialog, 500 for a CSeq lower than the remote sequence number. */
  | { kind: 'reject'; status: 481 | 500; response: SipResponse; dialog?: Dialog };

/** The transaction of an INVITE as the UAC sees it: Call-ID, From tag, CSeq. */
function inviteKey(request: SipRequest): string {
  return `${request.callId}\n${request.from.tag ?? ''}\n${request.cseq.seq}`;
}

export class DialogLayer extends TypedEmitter<DialogLayerEvents> {
  private readonly table = new Map<string, Dialog>();
  /** Dialog ids created by each outgoing INVITE (forking), and its 64*T1 cleanup timer. */
  private readonly forks = new Map<string, { ids: Set<string>; cleanup?: TimerHandle }>();
  private readonly retransmitter: Uas2xxRetransmitter;
  private readonly acks: UacAckCache;
  private readonly timers: TimerValues;
  private readonly scheduler: TimerScheduler;
  private readonly log: Logger;

  constructor(opts: DialogLayerOptions) {
    const log = (opts.logger ?? silentLogger).child({ module: 'sip.dialog' });
    super(log);
    this.log = log;
    this.timers = resolveTimers(opts.timers);
    this.scheduler = opts.scheduler ?? realScheduler;
    const ctx = { wire: opts.wire, timers: this.timers, scheduler: this.scheduler, logger: log };
    this.retransmitter = new Uas2xxRetransmitter(ctx, (t) => this.onAckTimeout(t));
    this.acks = new UacAckCache(ctx);
  }

  get size(): number {
    return this.table.size;
  }

  /** Internal table sizes, for leak checks and metrics. */
  stats(): { dialogs: number; forkedInvites: number; pending2xx: number; cachedAcks: number } {
    return { dialogs: this.table.size, forkedInvites: this.forks.size, pending2xx: this.retransmitter.size, cachedAcks: this.acks.size };
  }

  get(id: string): Dialog | undefined {
    return this.table.get(id);
  }

  dialogs(): IterableIterator<Dialog> {
    return this.table.values();
  }

  // ---- UAC ---------------------------------------------------------------------------

  /**
   * Feeds a response to a request this UA sent. INVITE responses create early or
   * confirmed dialogs (one per remote tag: forking) and end early ones on a non-2xx
   * final; a retransmitted 2xx is answered with the cached ACK. Responses inside a
   * dialog refresh its target, or end it on 481/408.
   */
  receiveResponse(request: SipRequest, response: SipResponse): UacResponseOutcome {
    const id = dialogIdAtCaller(response);
    const existing = this.table.get(id);
    if (request.method === 'INVITE') return this.inviteResponse(request, response, id, existing);
    if (existing !== undefined) {
      if (response.status === 481 || response.status === 408) this.terminate(existing, 'peer-gone');
      else if (existing.refreshTarget(response)) this.emit('targetRefreshed', existing);
    }
    return { dialog: existing, created: false, retransmission: false };
  }

  /**
   * Builds, sends and caches the ACK for a 2xx to INVITE (13.2.2.4); `opts.body` carries
   * the answer when the INVITE had no offer. A second call for the same 2xx re-sends the
   * cached ACK instead of making a new one.
   */
  async sendAck(dialog: Dialog, response: SipResponse, opts: InDialogRequestOptions & { target?: TransactionTarget } = {}): Promise<SipRequest> {
    const seq = response.cseq.seq;
    const cached = this.acks.get(dialog.id, seq);
    if (cached !== undefined) {
      this.acks.resend(dialog.id, seq);
      return cached;
    }
    const ack = dialog.createAck(seq, opts);
    await this.acks.send(dialog.id, ack, opts.target);
    return ack;
  }

  /**
   * The INVITE client transaction ended without any final response (Timer B, transport
   * failure): its early dialogs end, since no 2xx or error will ever close them.
   */
  abandonInvite(request: SipRequest): void {
    this.endEarlyDialogs(inviteKey(request), 'timeout');
  }

  private inviteResponse(request: SipRequest, response: SipResponse, id: string, existing: Dialog | undefined): UacResponseOutcome {
    const fork = inviteKey(request);
    if (response.status >= 300) {
      this.endEarlyDialogs(fork, 'rejected');
      // A re-INVITE answered 481/408 means the peer lost the dialog (12.2.1.2).
      if (existing?.state === 'confirmed' && (response.status === 481 || response.status === 408)) this.terminate(existing, 'peer-gone');
      return { dialog: existing, created: false, retransmission: false };
    }
    if (!createsDialog(response)) return { dialog: existing, created: false, retransmission: false };
    const is2xx = response.status >= 200;
    if (is2xx && this.acks.seen(id, response.cseq.seq)) {
      this.acks.resend(id, response.cseq.seq);
      return { dialog: existing, created: false, retransmission: true };
    }
    if (existing !== undefined) {
      if (is2xx && existing.confirm(response)) this.emit('confirmed', existing);
      if (existing.refreshTarget(response)) this.emit('targetRefreshed', existing);
      if (is2xx) this.scheduleForkCleanup(fork);
      return { dialog: existing, created: false, retransmission: false };
    }
    const dialog = createUacDialog(request, response);
    this.add(dialog);
    this.trackFork(fork, dialog.id);
    if (is2xx) this.scheduleForkCleanup(fork);
    return { dialog, created: true, retransmission: false };
  }

  private trackFork(fork: string, id: string): void {
    const entry = this.forks.get(fork) ?? { ids: new Set<string>() };
    entry.ids.add(id);
    this.forks.set(fork, entry);
  }

  /** After the first 2xx, early dialogs of other forks get 64*T1 to answer (13.2.2.4). */
  private scheduleForkCleanup(fork: string): void {
    const entry = this.forks.get(fork);
    if (entry === undefined || entry.cleanup !== undefined) return;
    entry.cleanup = this.scheduler.setTimeout(() => this.endEarlyDialogs(fork, 'early-timeout'), 64 * this.timers.T1);
  }

  private endEarlyDialogs(fork: string, reason: DialogTerminationReason): void {
    const entry = this.forks.get(fork);
    if (entry === undefined) return;
    if (entry.cleanup !== undefined) this.scheduler.clearTimeout(entry.cleanup);
    this.forks.delete(fork);
    for (const id of entry.ids) {
      const dialog = this.table.get(id);
      if (dialog?.state === 'early') this.terminate(dialog, reason);
    }
  }

  // ---- UAS ---------------------------------------------------------------------------

  /**
   * Tells the layer about a response this UA sent to `request`. A 1xx/2xx with a To tag
   * to INVITE creates or confirms the dialog; a 2xx to INVITE starts its retransmission
   * until the ACK; a final non-2xx ends the early dialog.
   */
  responseSent(request: SipRequest, response: SipResponse, opts: { source?: TransactionSource; reliable?: boolean } = {}): Dialog | undefined {
    const id = dialogIdAtCallee(response);
    let dialog = this.table.get(id);
    if (request.method !== 'INVITE') return dialog;
    if (response.status >= 300) {
      if (dialog?.state === 'early') this.terminate(dialog, 'rejected');
      return dialog;
    }
    if (!createsDialog(response)) return dialog;
    if (dialog === undefined) {
      dialog = createUasDialog(request, response);
      this.add(dialog);
    } else if (response.status >= 200 && dialog.confirm()) {
      this.emit('confirmed', dialog);
    }
    if (response.status >= 200) this.retransmitter.start(dialog.id, response, opts);
    return dialog;
  }

  /**
   * Classifies a received request (12.2.2): outside any dialog, inside a known one
   * (CSeq accepted, target refreshed, BYE ending it), or to be rejected with 481/500.
   */
  receiveRequest(request: SipRequest): InDialogVerdict {
    if ((request.to.tag ?? '') === '') return { kind: 'out-of-dialog' };
    const dialog = this.table.get(dialogIdAtCallee(request));
    if (dialog === undefined) {
      if (request.method === 'ACK') return { kind: 'stray-ack' };
      return { kind: 'reject', status: 481, response: createResponse(request, 481) };
    }
    if (request.method === 'ACK') {
      this.retransmitter.ackReceived(dialog.id, request.cseq.seq);
      return { kind: 'in-dialog', dialog };
    }
    if (dialog.checkRemoteCSeq(request) === 'out-of-order') {
      return { kind: 'reject', status: 500, response: createResponse(request, 500, 'CSeq Out of Order'), dialog };
    }
    if (dialog.refreshTarget(request)) this.emit('targetRefreshed', dialog);
    if (request.method === 'BYE') this.terminate(dialog, 'bye');
    return { kind: 'in-dialog', dialog };
  }

  // ---- both --------------------------------------------------------------------------

  /** Ends a dialog and forgets it. Idempotent. */
  terminate(dialog: Dialog, reason: DialogTerminationReason = 'local'): void {
    const changed = dialog.terminate();
    this.retransmitter.cancelDialog(dialog.id);
    if (this.table.get(dialog.id) === dialog) this.table.delete(dialog.id);
    if (changed) {
      this.log.debug({ dialog: dialog.id, reason }, 'dialog terminated');
      this.emit('terminated', dialog, reason);
    }
  }

  /** Stops every timer and forgets every dialog (shutdown). */
  close(): void {
    for (const dialog of [...this.table.values()]) this.terminate(dialog, 'local');
    for (const fork of [...this.forks.keys()]) this.endEarlyDialogs(fork, 'local');
    this.retransmitter.close();
    this.acks.close();
    this.removeAllListeners();
  }

  private add(dialog: Dialog): void {
    if (this.table.has(dialog.id)) {
      throw new DialogError('RVOIP_ERR_DIALOG_BAD_MESSAGE', `dialog ${dialog.id} already exists`, { dialog: dialog.id });
    }
    this.table.set(dialog.id, dialog);
    this.emit('created', dialog);
    if (dialog.state === 'confirmed') this.emit('confirmed', dialog);
  }

  private onAckTimeout(t: Ack2xxTimeout): void {
    const dialog = this.table.get(t.dialogId);
    if (dialog !== undefined) this.emit('ackTimeout', dialog, t.response);
  }
}
