/**
 * RFC 3261 13.3.1.4: the UAS core, not the transaction, keeps a 2xx to INVITE alive,
 * resending it at T1, 2*T1, ... capped at T2 until the ACK arrives; after 64*T1 without
 * one the dialog is to be ended with BYE.
 */
import type { SipResponse } from '../message/message.js';
import type { TimerValues } from '../transaction/timers.js';
import type { TransportLayer } from '../transport/transport-layer.js';
import type { ReceivedInfo } from '../transport/types.js';

export class Reliable2xx {
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private interval: number;
  private done = false;

  constructor(
    private readonly transport: TransportLayer,
    private readonly response: SipResponse,
    private readonly source: ReceivedInfo,
    private readonly timers: TimerValues,
    private readonly onGiveUp: () => void,
  ) {
    this.interval = timers.T1;
  }

  /** Starts retransmitting; reliable transports need none (17.2.1 covers them) but the ACK wait remains. */
  start(): void {
    if (this.source.protocol === 'udp') this.schedule();
    this.deadline = setTimeout(() => {
      if (this.done) return;
      this.stop();
      this.onGiveUp();
    }, 64 * this.timers.T1);
    this.deadline.unref?.();
  }

  acknowledged(): void {
    this.stop();
  }

  stop(): void {
    this.done = true;
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      if (this.done) return;
      this.transport.sendResponse(this.response, this.source).catch(() => undefined);
      this.interval = Math.min(this.interval * 2, this.timers.T2);
      this.schedule();
    }, this.interval);
    this.timer.unref?.();
  }
}
