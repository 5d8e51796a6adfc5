/**
 * What every transaction shares: identity, state, named RFC timers and termination.
 * The layer learns of termination through `ctx.onTerminated` and drops its map entries,
 * which is what keeps long-running servers from leaking transactions.
 */
import type { Logger } from '@rvoip/contracts';
import type { SipRequest } from '../message/message.js';
import type { EventMap } from './emitter.js';
import { TypedEmitter } from './emitter.js';
import type { TimerHandle, TimerScheduler, TimerValues } from './timers.js';
import type { TransactionTransport } from './transport.js';

export type TransactionKind = 'invite-client' | 'non-invite-client' | 'invite-server' | 'non-invite-server';

/** Why a transaction reached Terminated. */
export type TerminationReason = 'completed' | 'timeout' | 'transport-error' | 'closed';

/** Mutable counters shared by all transactions of one layer. */
export interface TransactionCounters {
  /** Requests, ACKs and responses sent again by a timer or in answer to a retransmission. */
  retransmissionsSent: number;
  /** Retransmitted requests and responses swallowed by a matching transaction. */
  retransmissionsAbsorbed: number;
  /** Timers B, F and H that fired. */
  timeouts: number;
  transportErrors: number;
}

export interface TransactionContext {
  transport: TransactionTransport;
  scheduler: TimerScheduler;
  timers: TimerValues;
  logger: Logger;
  counters: TransactionCounters;
  onTerminated(tx: AnyTransaction): void;
  /**
   * Optional (the layer sets it): takes over absorbing a Completed non-INVITE server
   * transaction's request retransmissions for Timer J, from the final's bytes. True when it
   * did; the transaction then sends `wire` and terminates at once.
   */
  keepFinal?(tx: AnyTransaction, wire: Buffer): boolean;
  /**
   * Optional (the layer sets it): where a send error goes when the transaction ended with
   * that send. One function for all, so the pending send does not hold the transaction.
   */
  onSendErrorAfterEnd?(err: unknown): void;
}

export type BaseEvents = {
  /** Every transition, old state second. */
  state: (state: string, previous: string) => void;
  terminated: (reason: TerminationReason) => void;
};

export interface AnyTransaction {
  readonly kind: TransactionKind;
  readonly request: SipRequest;
  readonly branch: string;
  readonly state: string;
  readonly terminated: boolean;
  /** @internal The layer's map keys, kept on the transaction instead of in a WeakMap the GC must trace. */
  layerKey: string | undefined;
  /** @internal */
  layerMergeKey: string | undefined;
  terminate(reason?: TerminationReason): void;
}

export abstract class Transaction<S extends string, E extends EventMap & BaseEvents>
  extends TypedEmitter<E>
  implements AnyTransaction
{
  abstract readonly kind: TransactionKind;
  readonly request: SipRequest;
  readonly branch: string;
  protected readonly ctx: TransactionContext;
  private logValue: Logger | undefined;
  private current: S;
  /** Created with the first timer: a server answered over TCP never arms one. */
  private timerHandles: Map<string, TimerHandle> | undefined;
  /** The transaction layer's map keys for this transaction (internal to the layer). */
  layerKey: string | undefined = undefined;
  layerMergeKey: string | undefined = undefined;
  private reason: TerminationReason | undefined;

  protected constructor(request: SipRequest, branch: string, initial: S, ctx: TransactionContext) {
    super(ctx.logger);
    this.request = request;
    this.branch = branch;
    this.current = initial;
    this.ctx = ctx;
  }

  /** Created on first use: a pino child per transaction costs more than the transaction. */
  protected get log(): Logger {
    return (this.logValue ??= this.ctx.logger.child({ branch: this.branch, method: this.request.method }));
  }

  get state(): S | 'Terminated' {
    return this.reason === undefined ? this.current : 'Terminated';
  }

  get terminated(): boolean {
    return this.reason !== undefined;
  }

  /** Set once terminated: how the transaction ended. */
  get terminationReason(): TerminationReason | undefined {
    return this.reason;
  }

  get method(): string {
    return this.request.method;
  }

  protected setState(next: S): void {
    if (this.terminated || next === this.current) return;
    const previous = this.current;
    this.current = next;
    this.emitBase('state', next, previous);
  }

  /** (Re)arms a named timer; firing after termination is impossible because terminate clears all. */
  protected startTimer(name: string, ms: number, fire: () => void): void {
    this.stopTimer(name);
    const handles = (this.timerHandles ??= new Map());
    const handle = this.ctx.scheduler.setTimeout(() => {
      handles.delete(name);
      if (!this.terminated) fire();
    }, ms);
    handles.set(name, handle);
  }

  protected stopTimer(name: string): void {
    const handle = this.timerHandles?.get(name);
    if (handle !== undefined) {
      this.ctx.scheduler.clearTimeout(handle);
      this.timerHandles!.delete(name);
    }
  }

  /** Names of the timers currently armed (for tests and diagnostics). */
  get activeTimers(): string[] {
    return this.timerHandles === undefined ? [] : [...this.timerHandles.keys()];
  }

  /** Arms a timer that terminates the transaction, or terminates now when it is zero. */
  protected terminateAfter(name: string, ms: number): void {
    if (ms <= 0) this.terminate('completed');
    else this.startTimer(name, ms, () => this.terminate('completed'));
  }

  terminate(reason: TerminationReason = 'closed'): void {
    if (this.terminated) return;
    const previous = this.current;
    if (this.timerHandles !== undefined) {
      for (const handle of this.timerHandles.values()) this.ctx.scheduler.clearTimeout(handle);
      this.timerHandles = undefined;
    }
    this.reason = reason;
    if (reason !== 'completed') this.log.debug({ from: previous, reason }, 'transaction terminated');
    this.ctx.onTerminated(this);
    this.emitBase('state', 'Terminated', previous);
    this.emitBase('terminated', reason);
  }

  protected emitBase<K extends keyof BaseEvents>(event: K, ...args: Parameters<BaseEvents[K]>): void {
    (this.emit as (e: K, ...a: Parameters<BaseEvents[K]>) => void)(event, ...args);
  }
}
