/**
 * Shared plumbing of the two server machines: where responses go (back along the request's
 * source, RFC 3261 18.2.2), the To tag every response of the transaction shares (8.2.6.2),
 * and the 17.2.4 rule that a transport failure ends the transaction and reaches the TU.
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import type { BaseEvents, TransactionContext, TransactionKind } from './base.js';
import { Transaction } from './base.js';
import type { SipTransactionError } from './errors.js';
import { stateError, timeoutError, transportError } from './errors.js';
import { generateTag } from './ids.js';
import { toTagOf } from './message-access.js';
import { createResponse } from './response.js';
import type { CreateResponseOptions } from './response.js';
import type { TransactionSource } from './transport.js';
import { attempt, transportIsReliable } from './transport.js';

export type ServerTransactionEvents = BaseEvents & {
  /** INVITE only, RFC 6026 Accepted: an ACK for the 2xx that matched this transaction. */
  ack: (ack: SipRequest, source: TransactionSource) => void;
  /** INVITE only: a CANCEL matched this transaction (9.2); the TU answers both requests. */
  cancel: (cancel: SipRequest, source: TransactionSource) => void;
  /** INVITE only, Timer H: no ACK ever came for our non-2xx final response. */
  timeout: (err: SipTransactionError) => void;
  transportError: (err: SipTransactionError) => void;
};

export abstract class ServerTransactionBase<S extends string> extends Transaction<S, ServerTransactionEvents> {
  abstract override readonly kind: TransactionKind;
  readonly source: TransactionSource;
  readonly reliable: boolean;
  private tag: string | undefined;
  protected lastProvisional: SipResponse | undefined;
  protected lastFinal: SipResponse | undefined;
  private onSendError: ((err: unknown) => void) | undefined;
  /** The Via text createResponse copied from the request: while a response still has it, the request's parsed top Via routes it. */
  private copiedVia: string | undefined;

  protected constructor(request: SipRequest, branch: string, initial: S, source: TransactionSource, ctx: TransactionContext) {
    super(request, branch, initial, ctx);
    this.source = source;
    this.reliable = transportIsReliable(ctx.transport, source.protocol);
  }

  /** The tag this transaction puts in To when the request had none, generated once. */
  get toTag(): string {
    this.tag ??= toTagOf(this.request) ?? generateTag();
    return this.tag;
  }

  get lastResponse(): SipResponse | undefined {
    return this.lastFinal ?? this.lastProvisional;
  }

  get finalResponse(): SipResponse | undefined {
    return this.lastFinal;
  }

  /** A response to this transaction's request carrying the transaction's To tag (8.2.6). */
  createResponse(status: number, reason?: string, extra?: Omit<CreateResponseOptions, 'toTag'>): SipResponse {
    const toTag = status === 100 ? undefined : this.toTag;
    const res = createResponse(this.request, status, reason, extra === undefined ? { toTag } : { ...extra, toTag });
    this.copiedVia = res.headers.get('via');
    return res;
  }

  /** Passes a TU response through the state machine to the transport. */
  abstract respond(res: SipResponse): void;

  /** A retransmission of the request (or an ACK) matched this transaction. */
  abstract receiveRequest(req: SipRequest, source: TransactionSource): void;

  protected checkResponse(res: SipResponse): void {
    if (!Number.isInteger(res.status) || res.status < 100 || res.status > 699) {
      throw stateError(`response status ${res.status} to ${this.method} ${this.branch} is outside 100-699`);
    }
    const cseq = res.cseq;
    if (cseq.method !== this.method && !(this.method === 'ACK' && cseq.method === 'INVITE')) {
      throw stateError(`response CSeq method ${cseq.method} does not belong to ${this.method} transaction ${this.branch}`);
    }
  }

  protected rejectInState(res: SipResponse): never {
    throw stateError(`cannot send ${res.status} on ${this.method} transaction ${this.branch} in state ${this.state}`, {
      state: this.state,
      status: res.status,
    });
  }

  /**
   * `wire`: the response already serialized, when the caller needed the bytes too.
   * `last`: the transaction terminates right after this send, so a failure can no longer
   * reach it. The error callback then must not capture it: Node keeps a datagram's send
   * request (and its callback) alive until the next full GC, not just until the send
   * completes, so a callback holding the transaction kept the request, the response and
   * everything they reference through every scavenge (3.1 KB per OPTIONS, 7x what a
   * kept final costs; bench/sip-layers.bench.ts).
   */
  protected send(res: SipResponse, retransmission: boolean, wire?: Buffer, last = false): void {
    if (retransmission) this.ctx.counters.retransmissionsSent++;
    const transport = this.ctx.transport;
    const onError = last ? this.ctx.onSendErrorAfterEnd : undefined;
    if (transport.dispatchResponse !== undefined) {
      // A response not built here, or whose Via the TU rewrote, has its own top Via parsed.
      const copied = this.copiedVia;
      const topVia = copied !== undefined && res.headers.get('via') === copied ? this.request.topVia : undefined;
      transport.dispatchResponse(res, this.source, onError ?? (this.onSendError ??= (err: unknown) => this.fail(err)), wire, topVia);
      return;
    }
    attempt(() => transport.sendResponse(res, this.source)).then(
      () => undefined,
      onError ?? ((err: unknown) => this.fail(err)),
    );
  }

  protected absorb(): void {
    this.ctx.counters.retransmissionsAbsorbed++;
  }

  protected fireTimeout(timer: string): void {
    this.ctx.counters.timeouts++;
    this.emit('timeout', timeoutError(timer, this.method, this.branch));
    this.terminate('timeout');
  }

  protected fail(err: unknown): void {
    if (this.terminated) return;
    this.ctx.counters.transportErrors++;
    this.log.warn({ err }, 'transport failure in server transaction');
    this.emit('transportError', transportError(this.method, this.branch, err));
    this.terminate('transport-error');
  }

  /** Used by the layer to deliver CANCEL and Accepted-state ACKs. */
  notify(event: 'ack' | 'cancel', req: SipRequest, source: TransactionSource): void {
    if (event === 'ack') this.emit('ack', req, source);
    else this.emit('cancel', req, source);
  }
}
