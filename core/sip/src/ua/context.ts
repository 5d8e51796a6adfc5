/**
 * What the user-agent pieces share: the layers below, timers, the dialog table and how
 * to advertise ourselves. Kept as an interface so each piece stays testable alone.
 */
import type { Logger } from '@rvoip/contracts';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { TransactionLayer } from '../transaction/layer.js';
import type { TimerValues } from '../transaction/timers.js';
import type { TransportLayer } from '../transport/transport-layer.js';
import type { Uas2xxRetransmitter } from '../dialog/invite-2xx.js';
import type { ReceivedInfo } from '../transport/types.js';
import type { ResponseOptions } from './types.js';

export interface DialogUsageHandle {
  readonly id: string;
  handleRequest(req: SipRequest, respond: Responder, source: ReceivedInfo): void;
  handleAck(ack: SipRequest): void;
  handleStray2xx(res: SipResponse): void;
  ackTimedOut(seq: number): void;
  close(): void;
}

export type Responder = (status: number, opts?: ResponseOptions) => Promise<void>;

export interface UaContext {
  readonly transactions: TransactionLayer;
  readonly transport: TransportLayer;
  readonly timers: TimerValues;
  /** Keeps our 2xx to INVITE alive until the ACK (13.3.1.4); gives up into `ackTimedOut`. */
  readonly retransmitter: Uas2xxRetransmitter;
  readonly logger: Logger;
  readonly userAgent: string;
  /** Methods we answer, for Allow. */
  allowed(): string[];
  /** `<sip:user@host:port;transport=x>` reaching us over the protocol the peer used. */
  contactFor(protocol: string, user?: string): string;
  addDialog(usage: DialogUsageHandle): void;
  removeDialog(id: string): void;
}
