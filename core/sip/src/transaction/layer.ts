/**
 * The transaction layer (RFC 3261 17): creates client transactions for the TU, matches
 * incoming messages to transactions (17.1.3, 17.2.3), opens server transactions for new
 * requests, and hands the TU what no transaction owns: ACKs for 2xx and stray responses.
 */
import type { Logger } from '@rvoip/contracts';
import { silentLogger } from '@rvoip/contracts';
import type { SipMessage, SipRequest, SipResponse } from '../message/message.js';
import { parseMessage } from '../message/parser.js';
import type { AnyTransaction, TransactionContext, TransactionCounters, TransactionKind } from './base.js';
import type { ClientTransactionHandlers } from './client-base.js';
import { CompletedFinals } from './completed-finals.js';
import { TransientTable } from './transient-table.js';
import type { CompletedFinal } from './completed-finals.js';
import { requestError, stateError } from './errors.js';
import { isRfc3261Branch } from './ids.js';
import { InviteClientTransaction } from './invite-client.js';
import { InviteServerTransaction } from './invite-server.js';
import { clientKey, clientKeyForResponse, mergeKey, serverKey } from './keys.js';
import { branchOf, toTagOf } from './message-access.js';
import { NonInviteClientTransaction } from './non-invite-client.js';
import { NonInviteServerTransaction } from './non-invite-server.js';
import { createCancel, ensureBranch } from './request-builders.js';
import type { TimerScheduler, TimerValues } from './timers.js';
import { realScheduler, resolveTimers } from './timers.js';
import type { TransactionSource, TransactionTarget, TransactionTransport } from './transport.js';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

export interface IncomingRequestContext {
  /** For a CANCEL: the INVITE server transaction it cancels (9.2), when one matched. */
  cancelTarget?: InviteServerTransaction;
  /** 8.2.2.2: the ongoing transaction this request merges with, while it is still live. */
  mergedWith?: ServerTransaction;
  /** 8.2.2.2: the request merges with an earlier one (live or already answered); only without `rejectMergedRequests`. */
  merged?: boolean;
}

export type TransactionRequestHandler = (
  tx: ServerTransaction,
  req: SipRequest,
  source: TransactionSource,
  context: IncomingRequestContext,
) => void;
/** An ACK no Completed/Confirmed transaction absorbed: the ACK for a 2xx (13.3.1.4, RFC 6026). */
export type TransactionAckHandler = (ack: SipRequest, source: TransactionSource, tx: InviteServerTransaction | undefined) => void;
/** A response matching no client transaction (17.1.3), e.g. a 2xx retransmitted after Timer M. */
export type StrayResponseHandler = (res: SipResponse, source: TransactionSource) => void;

export interface TransactionLayerOptions {
  transport: TransactionTransport;
  /** Shorter T1/T2/T4 for tests; defaults per RFC 3261. */
  timers?: Partial<TimerValues>;
  scheduler?: TimerScheduler;
  logger?: Logger;
  /** Answer merged requests (8.2.2.2) with 482 Loop Detected instead of passing them up. */
  rejectMergedRequests?: boolean;
  /** Subscribe to `transport.onMessage` (default: when the transport offers it). */
  attach?: boolean;
}

export interface TransactionStats {
  active: Record<TransactionKind, number>;
  retransmissionsSent: number;
  retransmissionsAbsorbed: number;
  timeouts: number;
  transportErrors: number;
  mergedRequests: number;
  strayResponses: number;
}

export class TransactionLayer {
  readonly timers: TimerValues;
  private readonly transport: TransactionTransport;
  private readonly logger: Logger;
  private readonly ctx: TransactionContext;
  private readonly clients = new TransientTable<ClientTransaction>();
  private readonly servers = new TransientTable<ServerTransaction>();
  private readonly merged = new TransientTable<ServerTransaction>();
  private readonly finals: CompletedFinals;
  private readonly counters: TransactionCounters = { retransmissionsSent: 0, retransmissionsAbsorbed: 0, timeouts: 0, transportErrors: 0 };
  private mergedRequests = 0;
  private strayResponses = 0;
  private requestHandlers: TransactionRequestHandler[] = [];
  private ackHandlers: TransactionAckHandler[] = [];
  private strayHandlers: StrayResponseHandler[] = [];
  private readonly rejectMerged: boolean;
  private detach: (() => void) | undefined;
  private closed = false;

  constructor(opts: TransactionLayerOptions) {
    this.transport = opts.transport;
    this.timers = resolveTimers(opts.timers);
    this.logger = (opts.logger ?? silentLogger).child({ component: 'sip-transaction' });
    this.rejectMerged = opts.rejectMergedRequests ?? false;
    this.ctx = {
      transport: opts.transport,
      scheduler: opts.scheduler ?? realScheduler,
      timers: this.timers,
      logger: this.logger,
      counters: this.counters,
      onTerminated: (tx) => this.forget(tx),
      keepFinal: (tx, wire) => this.keepFinal(tx, wire),
      onSendErrorAfterEnd: (err) => this.sendErrorAfterEnd(err),
    };
    // Batches a quarter of T1 apart: entries outlive Timer J by at most that much.
    this.finals = new CompletedFinals(this.ctx.scheduler, 64 * this.timers.T1, Math.max(1, this.timers.T1 / 4));
    if (opts.attach !== false && typeof opts.transport.onMessage === 'function') {
      const off = opts.transport.onMessage((msg, source) => this.receive(msg, source));
      if (typeof off === 'function') this.detach = off as () => void;
    }
  }

  /**
   * Starts a client transaction. A branch is added to the top Via when missing; pass
   * `handlers` to be sure no event is missed. ACK is not a transaction: use `sendAck`.
   */
  sendRequest(req: SipRequest, target?: TransactionTarget, handlers: ClientTransactionHandlers = {}): ClientTransaction {
    if (this.closed) throw stateError('the transaction layer is closed');
    if (req.method === 'ACK') throw requestError('ACK does not open a client transaction (17.1.1.3); use sendAck');
    const branch = ensureBranch(req, target?.protocol);
    const key = clientKey(branch, req.method);
    if (this.clients.has(key)) throw requestError(`a client transaction with branch ${branch} and method ${req.method} already exists`);
    const tx =
      req.method === 'INVITE'
        ? new InviteClientTransaction(req, branch, this.ctx)
        : new NonInviteClientTransaction(req, branch, this.ctx);
    this.clients.set(key, tx);
    tx.layerKey = key;
    tx.attach(handlers);
    tx.start(target);
    return tx;
  }

  /** Sends an ACK for a 2xx outside any transaction (13.2.2.4), with its own branch. */
  sendAck(ack: SipRequest, target?: TransactionTarget): Promise<TransactionTarget> {
    if (ack.method !== 'ACK') return Promise.reject(requestError(`sendAck needs an ACK, got ${ack.method}`));
    ensureBranch(ack, target?.protocol);
    return this.transport.sendRequest(ack, target);
  }

  /**
   * Cancels a pending INVITE (9.1): the CANCEL waits for a provisional response while the
   * INVITE is still Calling, and goes to the INVITE's own target.
   */
  cancel(invite: InviteClientTransaction, handlers: ClientTransactionHandlers = {}): Promise<NonInviteClientTransaction> {
    const state = invite.state;
    if (state !== 'Calling' && state !== 'Proceeding') {
      return Promise.reject(stateError(`INVITE ${invite.branch} is ${state}; only a pending INVITE can be cancelled`));
    }
    return new Promise((resolve, reject) => {
      const unhook = () => {
        invite.off('provisional', go);
        invite.off('final', giveUp);
        invite.off('terminated', giveUp);
      };
      const go = () => {
        unhook();
        try {
          const tx = this.sendRequest(createCancel(invite.request), invite.target, handlers);
          resolve(tx as NonInviteClientTransaction);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      };
      // A final response (or the end) before any provisional: there is nothing left to cancel.
      const giveUp = () => {
        unhook();
        reject(stateError(`INVITE ${invite.branch} ended before a provisional response allowed CANCEL`));
      };
      if (state === 'Proceeding') go();
      else invite.on('provisional', go).on('final', giveUp).on('terminated', giveUp);
    });
  }

  /**
   * Registers the TU for new requests. The TU must answer every server transaction; with no
   * handler registered the layer answers 503, and 500 when a handler throws before a final.
   */
  onRequest(handler: TransactionRequestHandler): () => void {
    this.requestHandlers.push(handler);
    return () => (this.requestHandlers = this.requestHandlers.filter((h) => h !== handler));
  }

  onAck(handler: TransactionAckHandler): () => void {
    this.ackHandlers.push(handler);
    return () => (this.ackHandlers = this.ackHandlers.filter((h) => h !== handler));
  }

  onStrayResponse(handler: StrayResponseHandler): () => void {
    this.strayHandlers.push(handler);
    return () => (this.strayHandlers = this.strayHandlers.filter((h) => h !== handler));
  }

  /** Entry point for every message the transport parsed. */
  receive(msg: SipMessage, source: TransactionSource): void {
    // Transports without an unsubscribe keep calling after close(): ignore them.
    if (this.closed) return;
    try {
      if (msg.isRequest) this.receiveRequest(msg, source);
      else this.receiveResponse(msg, source);
    } catch (err) {
      // A message whose Via/CSeq cannot be read matches nothing and is unusable (8.1.3.1, 16.3).
      this.logger.warn({ err, remote: `${source.remoteAddress}:${source.remotePort}` }, 'dropped unmatchable message');
    }
  }

  private receiveResponse(res: SipResponse, source: TransactionSource): void {
    const key = clientKeyForResponse(res);
    const tx = key === undefined ? undefined : this.clients.get(key);
    if (tx) {
      tx.receiveResponse(res);
      return;
    }
    this.strayResponses++;
    this.deliver(this.strayHandlers, (h) => h(res, source), 'stray response');
  }

  private receiveRequest(req: SipRequest, source: TransactionSource): void {
    const key = serverKey(req);
    if (key === undefined) throw requestError(`${req.method} ${req.rawUri} has no Via`);
    const existing = this.servers.get(key);
    if (req.method === 'ACK') {
      this.receiveAck(req, source, existing);
      return;
    }
    if (existing) {
      existing.receiveRequest(req, source);
      return;
    }
    const done = this.finals.get(key);
    if (done !== undefined) {
      this.counters.retransmissionsAbsorbed++;
      this.resendFinal(done);
      return;
    }
    // Computed once: both the merge check and the new transaction's entry need it.
    const mk = mergeKey(req);
    const original = this.findMerged(mk, key);
    if (original !== undefined && this.rejectMerged) {
      this.mergedRequests++;
      const tx = this.openServer(req, key, source, undefined);
      tx.respond(tx.createResponse(482, 'Loop Detected'));
      return;
    }
    if (original !== undefined) this.mergedRequests++;
    const tx = this.openServer(req, key, source, mk);
    const context: IncomingRequestContext =
      original === undefined ? {} : original === 'answered' ? { merged: true } : { mergedWith: original, merged: true };
    if (req.method === 'CANCEL') {
      const inviteKey = serverKey(req, 'INVITE');
      const invite = inviteKey === undefined ? undefined : this.servers.get(inviteKey);
      if (invite instanceof InviteServerTransaction) {
        context.cancelTarget = invite;
        // 9.2: after a final response the CANCEL has no effect on the INVITE.
        if (invite.state === 'Proceeding') {
          invite.markCancelled();
          invite.notify('cancel', req, source);
        }
      }
    }
    // A server transaction nobody will answer would live forever: answer for the TU.
    if (this.requestHandlers.length === 0) {
      tx.respond(tx.createResponse(503));
      return;
    }
    const failures = this.deliver(this.requestHandlers, (h) => h(tx, req, source, context), 'request');
    if (failures > 0 && !tx.terminated && tx.finalResponse === undefined) tx.respond(tx.createResponse(500));
  }

  private receiveAck(ack: SipRequest, source: TransactionSource, tx: ServerTransaction | undefined): void {
    if (tx instanceof InviteServerTransaction && this.ackMatches(ack, tx)) {
      const wasAccepted = tx.state === 'Accepted';
      tx.receiveRequest(ack, source);
      if (!wasAccepted) return;
      this.deliver(this.ackHandlers, (h) => h(ack, source, tx), 'ACK');
      return;
    }
    this.deliver(this.ackHandlers, (h) => h(ack, source, undefined), 'ACK');
  }

  /** RFC 2543 ACKs also need the To tag of the response they acknowledge (17.2.3). */
  private ackMatches(ack: SipRequest, tx: InviteServerTransaction): boolean {
    if (isRfc3261Branch(branchOf(ack.topVia))) return true;
    const sent = tx.lastResponse;
    return sent !== undefined && toTagOf(sent) === toTagOf(ack);
  }

  /** 8.2.2.2: a request without To tag that matches an ongoing transaction's From tag, Call-ID, CSeq. */
  isMergedRequest(req: SipRequest): boolean {
    return this.findMerged(mergeKey(req), serverKey(req)) !== undefined;
  }

  /** The live transaction a request merges with, 'answered' when that one already ended with its final. */
  private findMerged(mk: string | undefined, key: string | undefined): ServerTransaction | 'answered' | undefined {
    if (mk === undefined) return undefined;
    const tx = this.merged.get(mk);
    if (tx !== undefined && !tx.terminated && key !== tx.layerKey) return tx;
    const done = this.finals.getMerged(mk);
    return done !== undefined && done.key !== key ? 'answered' : undefined;
  }

  private keepFinal(tx: AnyTransaction, wire: Buffer): boolean {
    if (this.closed || tx.layerKey === undefined || !(tx instanceof NonInviteServerTransaction)) return false;
    return this.finals.add(tx.layerKey, tx.layerMergeKey, wire, tx.source);
  }

  /** A send failed after its transaction ended (a last final, or one resent from its bytes): counted and logged. */
  private sendErrorAfterEnd(err: unknown): void {
    this.counters.transportErrors++;
    this.logger.warn({ err }, 'sending the final response of an ended transaction failed');
  }

  /** A retransmission met a final kept in bytes: parse it back (rare) and send it the same way. */
  private resendFinal(done: CompletedFinal): void {
    this.counters.retransmissionsSent++;
    const onError = this.ctx.onSendErrorAfterEnd!;
    try {
      const res = parseMessage(done.wire) as SipResponse;
      if (this.transport.dispatchResponse !== undefined) this.transport.dispatchResponse(res, done.source, onError, done.wire);
      else this.transport.sendResponse(res, done.source).then(undefined, onError);
    } catch (err) {
      onError(err);
    }
  }

  /** `mk`: the request's merge key when it is to be tracked (8.2.2.2), else undefined. */
  private openServer(req: SipRequest, key: string, source: TransactionSource, mk: string | undefined): ServerTransaction {
    const branch = branchOf(req.topVia) ?? '';
    const tx =
      req.method === 'INVITE'
        ? new InviteServerTransaction(req, branch, source, this.ctx)
        : new NonInviteServerTransaction(req, branch, source, this.ctx);
    this.servers.set(key, tx);
    if (mk !== undefined && !this.merged.has(mk)) this.merged.set(mk, tx);
    tx.layerKey = key;
    tx.layerMergeKey = mk;
    return tx;
  }

  private forget(tx: AnyTransaction): void {
    const key = tx.layerKey;
    if (key === undefined) return;
    const map: TransientTable<AnyTransaction> = tx.kind.endsWith('client') ? this.clients : this.servers;
    if (map.get(key) === tx) map.delete(key);
    const mk = tx.layerMergeKey;
    if (mk !== undefined && this.merged.get(mk) === tx) this.merged.delete(mk);
  }

  /** Calls every handler, isolating their exceptions; returns how many threw. */
  private deliver<H>(handlers: H[], call: (h: H) => void, what: string): number {
    let failures = 0;
    for (const h of [...handlers]) {
      try {
        call(h);
      } catch (err) {
        failures++;
        this.logger.error({ err }, `TU ${what} handler threw`);
      }
    }
    return failures;
  }

  findClient(branch: string, method: string): ClientTransaction | undefined {
    return this.clients.get(clientKey(branch, method));
  }

  /** The server transaction a request would match (ACK finds its INVITE). */
  findServer(req: SipRequest, asMethod?: string): ServerTransaction | undefined {
    const key = serverKey(req, asMethod);
    return key === undefined ? undefined : this.servers.get(key);
  }

  /** Map sizes, for leak checks: all zero once every transaction terminated. */
  get sizes(): { clients: number; servers: number; merged: number; completedFinals: number } {
    return { clients: this.clients.size, servers: this.servers.size, merged: this.merged.size, completedFinals: this.finals.size };
  }

  stats(): TransactionStats {
    const active: Record<TransactionKind, number> = { 'invite-client': 0, 'non-invite-client': 0, 'invite-server': 0, 'non-invite-server': 0 };
    for (const tx of this.clients.values()) active[tx.kind]++;
    for (const tx of this.servers.values()) active[tx.kind]++;
    return { active, ...this.counters, mergedRequests: this.mergedRequests, strayResponses: this.strayResponses };
  }

  /** Terminates every transaction (reason `closed`) and stops listening to the transport. */
  close(): void {
    this.closed = true;
    this.detach?.();
    this.detach = undefined;
    for (const tx of [...this.clients.values(), ...this.servers.values()]) tx.terminate('closed');
    this.finals.clear();
  }
}
