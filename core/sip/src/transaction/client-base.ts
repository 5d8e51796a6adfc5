/**
 * Shared plumbing of the two client machines: the first send (which resolves the target
 * and therefore reliability), retransmission to that same target, and the 8.1.3.1 /
 * 17.1.4 rule that a transport failure ends the transaction and reaches the TU.
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import type { BaseEvents, TransactionContext, TransactionKind } from './base.js';
import { Transaction } from './base.js';
import type { SipTransactionError } from './errors.js';
import { timeoutError, transportError } from './errors.js';
import type { TransactionTarget } from './transport.js';
import { attempt, transportIsReliable } from './transport.js';

export type ClientTransactionEvents = BaseEvents & {
  /** A 1xx response (100 included). */
  provisional: (res: SipResponse) => void;
  /**
   * A final response. For INVITE every 2xx received in Accepted (RFC 6026 retransmissions
   * and forked answers) is passed again; non-2xx retransmissions are absorbed.
   */
  final: (res: SipResponse) => void;
  /** Timer B or F fired: act as on a 408 (17.1.1.2, 17.1.2.2). */
  timeout: (err: SipTransactionError) => void;
  /** The transport could not send: act as on a 503 (8.1.3.1). */
  transportError: (err: SipTransactionError) => void;
};

export type ClientTransactionHandlers = Partial<Omit<ClientTransactionEvents, 'state'>>;

export abstract class ClientTransactionBase<S extends string> extends Transaction<S, ClientTransactionEvents> {
  abstract override readonly kind: TransactionKind;
  private resolvedTarget: TransactionTarget | undefined;
  private reliableTransport: boolean | undefined;
  private started = false;

  protected constructor(request: SipRequest, branch: string, initial: S, ctx: TransactionContext) {
    super(request, branch, initial, ctx);
  }

  /** The target the request went to, once the transport resolved it. */
  get target(): TransactionTarget | undefined {
    return this.resolvedTarget;
  }

  /** Undefined until the first send resolved the transport. */
  get reliable(): boolean | undefined {
    return this.reliableTransport;
  }

  attach(handlers: ClientTransactionHandlers): this {
    for (const [event, fn] of Object.entries(handlers) as Array<[keyof ClientTransactionHandlers, never]>) {
      if (typeof fn === 'function') this.on(event, fn);
    }
    return this;
  }

  /** Called once by the layer after it registered the transaction. */
  start(target?: TransactionTarget): void {
    if (this.started) return;
    this.started = true;
    if (target) this.noteTarget(target);
    this.onStart();
    attempt(() => this.ctx.transport.sendRequest(this.request, target)).then(
      (resolved) => {
        if (this.terminated) return;
        this.noteTarget(resolved ?? target);
        this.onSent();
      },
      (err: unknown) => this.fail(err),
    );
  }

  /** Arms the timers that run regardless of transport (B, F). */
  protected abstract onStart(): void;
  /** Arms retransmission timers once reliability is known (A, E). */
  protected abstract onSent(): void;
  abstract receiveResponse(res: SipResponse): void;

  private noteTarget(target: TransactionTarget | undefined): void {
    if (!target) return;
    this.resolvedTarget = target;
    this.reliableTransport = transportIsReliable(this.ctx.transport, target.protocol);
  }

  /** Sends a request (retransmission or ACK) to the target of the original. */
  protected sendAgain(req: SipRequest, retransmission: boolean): void {
    if (retransmission) this.ctx.counters.retransmissionsSent++;
    attempt(() => this.ctx.transport.sendRequest(req, this.resolvedTarget)).then(
      () => undefined,
      (err: unknown) => {
        // A lost ACK after the TU already has its final response is not worth a 503:
        // the server's retransmitted final brings us back here to try again.
        if (req.method === 'ACK') this.log.warn({ err }, 'could not send ACK');
        else this.fail(err);
      },
    );
  }

  protected fireTimeout(timer: string): void {
    this.ctx.counters.timeouts++;
    this.emit('timeout', timeoutError(timer, this.method, this.branch));
    this.terminate('timeout');
  }

  protected fail(err: unknown): void {
    if (this.terminated) return;
    this.ctx.counters.transportErrors++;
    this.log.warn({ err }, 'transport failure in client transaction');
    this.emit('transportError', transportError(this.method, this.branch, err));
    this.terminate('transport-error');
  }
}
