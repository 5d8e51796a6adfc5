/**
 * The UAS core (RFC 3261 8.2, 12.2.2): every new request the transaction layer hands up
 * is inspected, then routed: in-dialog requests to their dialog (481 when none),
 * CANCEL to the INVITE it cancels, initial INVITEs and other methods to the handlers.
 */
import type { Logger } from '@rvoip/contracts';
import { dialogIdAtCallee } from '../dialog/dialog-id.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import { InviteServerTransaction } from '../transaction/invite-server.js';
import { NonInviteServerTransaction } from '../transaction/non-invite-server.js';
import type { IncomingRequestContext, ServerTransaction } from '../transaction/layer.js';
import type { TransactionSource } from '../transaction/transport.js';
import type { ReceivedInfo, TransportProtocol } from '../transport/types.js';
import type { DialogUsageHandle, Responder, UaContext } from './context.js';
import type { DialogUsage } from './dialog-usage.js';
import { IncomingInviteImpl } from './incoming-invite.js';
import { applyResponseOptions, buildResponse } from './responses.js';
import type { UasPolicy } from './uas-checks.js';
import { checkRequest } from './uas-checks.js';
import type { IncomingRequest, InviteHandler, RequestHandler, ResponseOptions } from './types.js';

const DONE: Promise<void> = Promise.resolve();
const NO_OPTIONS: ResponseOptions = {};

export class UasCore {
  private readonly handlers = new Map<string, RequestHandler>();
  private inviteHandler: InviteHandler | undefined;
  private readonly invites = new WeakMap<InviteServerTransaction, IncomingInviteImpl>();
  /** The policy with its Allow list, rebuilt only when a handler comes or goes (read per request). */
  private checks: UasPolicy | undefined;

  constructor(
    private readonly ctx: UaContext,
    private readonly dialogs: Map<string, DialogUsageHandle>,
    private readonly policy: Omit<UasPolicy, 'allow'>,
    private readonly logger: Logger,
  ) {}

  allowed(): string[] {
    return [...this.policyWithAllow().allow];
  }

  private policyWithAllow(): UasPolicy {
    if (this.checks !== undefined) return this.checks;
    const methods = new Set(['ACK', 'BYE', 'CANCEL', 'OPTIONS', ...this.handlers.keys()]);
    if (this.inviteHandler !== undefined) methods.add('INVITE');
    this.checks = { ...this.policy, allow: [...methods] };
    return this.checks;
  }

  setInviteHandler(handler: InviteHandler): void {
    this.inviteHandler = handler;
    this.checks = undefined;
  }

  setHandler(method: string, handler: RequestHandler): () => void {
    const m = method.toUpperCase();
    this.handlers.set(m, handler);
    this.checks = undefined;
    return () => {
      if (this.handlers.get(m) !== handler) return;
      this.handlers.delete(m);
      this.checks = undefined;
    };
  }

  onRequest(tx: ServerTransaction, req: SipRequest, source: TransactionSource, context: IncomingRequestContext): void {
    const info = source as ReceivedInfo;
    const respond = this.responder(tx);
    if (req.method === 'CANCEL') {
      this.cancel(req, context, respond);
      return;
    }
    const toTag = req.to.tag;
    if (toTag !== undefined && toTag !== '') {
      const usage = this.dialogs.get(dialogIdAtCallee(req));
      if (usage === undefined) void respond(481);
      else usage.handleRequest(req, this.dialogResponder(tx, req, info, usage as DialogUsage), info);
      return;
    }
    if (context.merged === true) {
      void respond(482, { reason: 'Loop Detected' });
      return;
    }
    const rejection = checkRequest(req, this.policyWithAllow());
    if (rejection !== undefined) {
      void respond(rejection.status, { headers: rejection.headers, ...(rejection.reason ? { reason: rejection.reason } : {}) });
      return;
    }
    this.dispatch(tx, req, info, respond);
  }

  onAck(ack: SipRequest): void {
    this.dialogs.get(dialogIdAtCallee(ack))?.handleAck(ack);
  }

  onStrayResponse(res: SipResponse): void {
    if (res.cseq.method !== 'INVITE' || res.status < 200 || res.status >= 300) return;
    // A 2xx retransmitted after the client transaction ended: we are the caller here.
    const id = `${res.callId};${res.from.tag ?? ''};${res.to.tag ?? ''}`;
    this.dialogs.get(id)?.handleStray2xx(res);
  }

  private dispatch(tx: ServerTransaction, req: SipRequest, info: ReceivedInfo, respond: Responder): void {
    if (req.method === 'INVITE' && tx instanceof InviteServerTransaction && this.inviteHandler !== undefined) {
      const invite = new IncomingInviteImpl(req, info, tx, this.ctx);
      this.invites.set(tx, invite);
      const handler = this.inviteHandler;
      this.runHandler('INVITE', () => handler(invite), tx, req, respond);
      return;
    }
    const handler = this.handlers.get(req.method);
    if (handler !== undefined) {
      const incoming: IncomingRequest = { request: req, source: info, respond };
      this.runHandler(req.method, () => handler(incoming), tx, req, respond);
      return;
    }
    if (req.method === 'OPTIONS') {
      void respond(200, {
        headers: [
          ['Allow', this.allowed().join(', ')],
          ['Accept', this.policy.accept.join(', ')],
          ['Supported', this.policy.supported.join(', ')],
        ],
      });
      return;
    }
    void respond(405, { headers: [['Allow', this.allowed().join(', ')]] });
  }

  /** 9.2: 200 to the CANCEL, 487 to the INVITE if it had no final answer yet. */
  /**
   * Runs a handler now rather than in a microtask (no promise chain per request unless the
   * handler returns one); a throw or rejection before any final answer gets a 500.
   * Methods, not closures per request: those cost an allocation and a name each.
   */
  private runHandler(what: string, call: () => void | Promise<void>, tx: ServerTransaction, req: SipRequest, respond: Responder): void {
    let result: void | Promise<void>;
    try {
      result = call();
    } catch (err) {
      this.handlerFailed(what, err, tx, req, respond);
      return;
    }
    if (result !== undefined && typeof result.then === 'function') result.then(undefined, (err: unknown) => this.handlerFailed(what, err, tx, req, respond));
  }

  private handlerFailed(what: string, err: unknown, tx: ServerTransaction, req: SipRequest, respond: Responder): void {
    this.logger.error({ err, method: req.method, callId: req.callId }, `${what} handler failed; answering 500`);
    if (tx.finalResponse === undefined) void respond(500).catch(() => undefined);
  }

  private cancel(req: SipRequest, context: IncomingRequestContext, respond: Responder): void {
    const invite = context.cancelTarget;
    if (invite === undefined) {
      void respond(481);
      return;
    }
    void respond(200);
    if (invite.finalResponse !== undefined) return;
    invite.respond(applyResponseOptions(invite.createResponse(487), {}, this.ctx.userAgent));
    this.invites.get(invite)?.cancel(req);
  }

  /** Not async: a shared settled promise instead of one per response; throws become rejections. */
  private responder(tx: ServerTransaction): Responder {
    return (status: number, opts: ResponseOptions = NO_OPTIONS) => {
      try {
        const res = buildResponse(tx, status, opts, this.ctx.userAgent);
        if (opts.stateless === true && status >= 300 && tx instanceof NonInviteServerTransaction) tx.respondStateless(res);
        else tx.respond(res);
        return DONE;
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
  }

  /** In-dialog responder: a 2xx to re-INVITE carries Contact and is kept alive until ACK. */
  private dialogResponder(tx: ServerTransaction, req: SipRequest, info: ReceivedInfo, usage: DialogUsage): Responder {
    if (req.method !== 'INVITE') return this.responder(tx);
    return async (status: number, opts: ResponseOptions = {}) => {
      const res = tx.createResponse(status);
      if (status >= 200 && status < 300) res.headers.append('Contact', this.ctx.contactFor(info.protocol as TransportProtocol));
      applyResponseOptions(res, opts, this.ctx.userAgent);
      tx.respond(res);
      if (status < 200 || status >= 300) return;
      usage.expectAck(req.cseq.seq, () => undefined);
      this.ctx.retransmitter.start(usage.id, res, { source: info, reliable: info.protocol !== 'udp' });
    };
  }
}
