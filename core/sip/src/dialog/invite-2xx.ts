/**
 * 2xx-to-INVITE reliability, which RFC 3261 gives to the TU rather than to transactions.
 * UAS (13.3.1.4): resend the 2xx at T1, 2*T1, ... capped at T2 until the ACK arrives;
 * after 64*T1 give up and tell the TU, which ends the dialog with BYE.
 * UAC (13.2.2.4): ACK every 2xx with a request of its own, and answer a retransmitted
 * 2xx with the very same ACK rather than a new one.
 */
import type { Logger } from '@rvoip/contracts';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { TimerHandle, TimerScheduler, TimerValues } from '../transaction/timers.js';
import type { TransactionSource, TransactionTarget } from '../transaction/transport.js';
import type { DialogWire } from './wire.js';

export interface Reliability2xxContext {
  wire: DialogWire;
  timers: TimerValues;
  scheduler: TimerScheduler;
  logger: Logger;
}

function key(dialogId: string, seq: number): string {
  return `${dialogId}\n${seq}`;
}

interface Pending2xx {
  dialogId: string;
  seq: number;
  response: SipResponse;
  source: TransactionSource | undefined;
  interval: number;
  retransmit: TimerHandle | undefined;
  giveUp: TimerHandle;
}

export interface Ack2xxTimeout {
  dialogId: string;
  seq: number;
  response: SipResponse;
}

/** UAS side: keeps each unacknowledged 2xx alive. */
export class Uas2xxRetransmitter {
  private readonly pending = new Map<string, Pending2xx>();

  constructor(
    private readonly ctx: Reliability2xxContext,
    private readonly onGiveUp: (timeout: Ack2xxTimeout) => void,
  ) {}

  /**
   * Starts after the first 2xx left through the server transaction. Over a reliable
   * transport nothing is resent (the stream delivers it) but the ACK wait still runs.
   */
  start(dialogId: string, response: SipResponse, opts: { source?: TransactionSource; reliable?: boolean } = {}): void {
    const seq = response.cseq.seq;
    this.cancel(dialogId, seq);
    const k = key(dialogId, seq);
    const { T1 } = this.ctx.timers;
    const entry: Pending2xx = {
      dialogId,
      seq,
      response,
      source: opts.source,
      interval: T1,
      retransmit: undefined,
      giveUp: this.ctx.scheduler.setTimeout(() => this.expire(k), 64 * T1),
    };
    this.pending.set(k, entry);
    if (opts.reliable !== true) this.schedule(k, entry);
  }

  /** The ACK for (dialog, CSeq) arrived: stop. False when nothing was pending. */
  ackReceived(dialogId: string, seq: number): boolean {
    return this.cancel(dialogId, seq);
  }

  /** Stops every wait of a dialog (it ended some other way). */
  cancelDialog(dialogId: string): void {
    for (const entry of [...this.pending.values()]) if (entry.dialogId === dialogId) this.cancel(dialogId, entry.seq);
  }

  isPending(dialogId: string, seq: number): boolean {
    return this.pending.has(key(dialogId, seq));
  }

  get size(): number {
    return this.pending.size;
  }

  close(): void {
    for (const entry of [...this.pending.values()]) this.cancel(entry.dialogId, entry.seq);
  }

  private cancel(dialogId: string, seq: number): boolean {
    const k = key(dialogId, seq);
    const entry = this.pending.get(k);
    if (entry === undefined) return false;
    if (entry.retransmit !== undefined) this.ctx.scheduler.clearTimeout(entry.retransmit);
    this.ctx.scheduler.clearTimeout(entry.giveUp);
    this.pending.delete(k);
    return true;
  }

  private schedule(k: string, entry: Pending2xx): void {
    entry.retransmit = this.ctx.scheduler.setTimeout(() => {
      if (this.pending.get(k) !== entry) return;
      this.ctx.wire.sendResponse(entry.response, entry.source).catch((err: unknown) => {
        this.ctx.logger.warn({ err, dialog: entry.dialogId, seq: entry.seq }, '2xx retransmission failed');
      });
      entry.interval = Math.min(entry.interval * 2, this.ctx.timers.T2);
      this.schedule(k, entry);
    }, entry.interval);
  }

  private expire(k: string): void {
    const entry = this.pending.get(k);
    if (entry === undefined) return;
    this.cancel(entry.dialogId, entry.seq);
    this.ctx.logger.info({ dialog: entry.dialogId, seq: entry.seq }, 'no ACK for 2xx within 64*T1');
    this.onGiveUp({ dialogId: entry.dialogId, seq: entry.seq, response: entry.response });
  }
}

interface CachedAck {
  ack: SipRequest | undefined;
  target: TransactionTarget | undefined;
  expiry: TimerHandle;
}

/**
 * UAC side: the ACK sent for each (dialog, INVITE CSeq), kept for 64*T1 (as long as
 * the UAS may retransmit its 2xx), so a retransmitted 2xx gets the same ACK back.
 */
export class UacAckCache {
  private readonly acks = new Map<string, CachedAck>();

  constructor(private readonly ctx: Reliability2xxContext) {}

  /** Notes that a 2xx arrived; true if one for this (dialog, CSeq) was already seen. */
  seen(dialogId: string, seq: number): boolean {
    const k = key(dialogId, seq);
    if (this.acks.has(k)) return true;
    const expiry = this.ctx.scheduler.setTimeout(() => this.acks.delete(k), 64 * this.ctx.timers.T1);
    this.acks.set(k, { ack: undefined, target: undefined, expiry });
    return false;
  }

  /** Sends `ack` for (dialog, CSeq) and keeps it for retransmitted 2xx. */
  send(dialogId: string, ack: SipRequest, target?: TransactionTarget): Promise<unknown> {
    const seq = ack.cseq.seq;
    this.seen(dialogId, seq);
    const entry = this.acks.get(key(dialogId, seq))!;
    entry.ack = ack;
    entry.target = target;
    return this.ctx.wire.sendRequest(ack, target);
  }

  /** The ACK already sent for (dialog, CSeq), if any. */
  get(dialogId: string, seq: number): SipRequest | undefined {
    return this.acks.get(key(dialogId, seq))?.ack;
  }

  /** Re-sends the cached ACK; false when the TU has not sent one yet. */
  resend(dialogId: string, seq: number): boolean {
    const entry = this.acks.get(key(dialogId, seq));
    if (entry?.ack === undefined) return false;
    this.ctx.wire.sendRequest(entry.ack, entry.target).catch((err: unknown) => {
      this.ctx.logger.warn({ err, dialog: dialogId, seq }, 'ACK retransmission failed');
    });
    return true;
  }

  get size(): number {
    return this.acks.size;
  }

  close(): void {
    for (const entry of this.acks.values()) this.ctx.scheduler.clearTimeout(entry.expiry);
    this.acks.clear();
  }
}
