/**
 * The SIP stack facade: binds transports, runs transactions and the UAS core, and gives
 * applications drachtio-style handlers (`onInvite`, `onRequest`) plus UAC calls
 * (`invite`, `request`, `register`). Everything below stays reachable for experts.
 */
import type { Logger } from '@rvoip/contracts';
import { silentLogger } from '@rvoip/contracts';
import { DigestClient } from '../auth/digest-client.js';
import { Uas2xxRetransmitter } from '../dialog/invite-2xx.js';
import { realScheduler } from '../transaction/timers.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import { TransactionLayer } from '../transaction/layer.js';
import { TransportLayer } from '../transport/transport-layer.js';
import type { ListeningPoint, TransportProtocol } from '../transport/types.js';
import { protocolFromToken } from '../transport/types.js';
import { sendWithAuth } from './client-request.js';
import type { DialogUsageHandle, UaContext } from './context.js';
import { OutgoingInviteImpl } from './outgoing-invite.js';
import { Registration } from './registration.js';
import type { RegistrationOptions } from './registration.js';
import { buildRequest, requestUriOf } from './request-factory.js';
import { UasCore } from './uas-core.js';
import type { InviteHandler, OutgoingInvite, OutgoingInviteOptions, RequestHandler, SendOptions, SipStackOptions } from './types.js';

export const DEFAULT_USER_AGENT = 'rvoip/0.1';

export class SipStack {
  readonly transport: TransportLayer;
  readonly transactions: TransactionLayer;
  readonly domain: string;
  readonly userAgent: string;
  private readonly logger: Logger;
  private readonly dialogs = new Map<string, DialogUsageHandle>();
  private readonly uas: UasCore;
  private readonly ctx: UaContext;
  private readonly registrations = new Set<Registration>();
  private closed = false;

  private constructor(private readonly opts: SipStackOptions) {
    this.logger = (opts.logger ?? silentLogger).child({ component: 'sip' });
    this.userAgent = opts.userAgent ?? DEFAULT_USER_AGENT;
    this.transport = new TransportLayer({
      logger: this.logger,
      ...(opts.maxInboundQueue === undefined ? {} : { maxQueue: opts.maxInboundQueue }),
    });
    this.transactions = new TransactionLayer({ transport: this.transport, logger: this.logger, ...(opts.timers ? { timers: opts.timers } : {}) });
    this.domain = opts.domain ?? 'localhost';
    const retransmitter = new Uas2xxRetransmitter(
      { wire: this.transport, timers: this.transactions.timers, scheduler: realScheduler, logger: this.logger },
      ({ dialogId, seq }) => this.dialogs.get(dialogId)?.ackTimedOut(seq),
    );
    this.ctx = {
      transactions: this.transactions,
      transport: this.transport,
      timers: this.transactions.timers,
      retransmitter,
      logger: this.logger,
      userAgent: this.userAgent,
      allowed: () => this.uas.allowed(),
      contactFor: (protocol, user) => this.contactFor(protocol, user),
      addDialog: (usage) => this.dialogs.set(usage.id, usage),
      removeDialog: (id) => this.dialogs.delete(id),
    };
    this.uas = new UasCore(
      this.ctx,
      this.dialogs,
      {
        supported: opts.policy?.supported ?? ['path', 'outbound', 'replaces'],
        accept: opts.policy?.accept ?? ['application/sdp'],
        ...(opts.policy?.acceptEncoding ? { acceptEncoding: opts.policy.acceptEncoding } : {}),
        answersWith: opts.policy?.answersWith ?? 'application/sdp',
      },
      this.logger,
    );
    this.transactions.onRequest((tx, req, source, context) => this.uas.onRequest(tx, req, source, context));
    this.transactions.onAck((ack) => this.uas.onAck(ack));
    this.transactions.onStrayResponse((res) => this.uas.onStrayResponse(res));
  }

  /** Creates the stack and binds every listen address before resolving. */
  static async create(opts: SipStackOptions): Promise<SipStack> {
    const stack = new SipStack(opts);
    try {
      await stack.transport.listen(opts.listen);
    } catch (err) {
      await stack.transport.close().catch(() => undefined);
      throw err;
    }
    return stack;
  }

  listeningPoints(): ListeningPoint[] {
    return this.transport.listeningPoints();
  }

  /** A Contact name-addr for requests and responses sent over `protocol`. */
  contactFor(protocol: string, user = 'rvoip'): string {
    const p = (protocolFromToken(protocol) ?? (protocol.toLowerCase() as TransportProtocol)) as TransportProtocol;
    const available = this.transport.listeningPoints().map((l) => l.protocol);
    const chosen = available.includes(p) ? p : available[0]!;
    return `<${this.transport.contactUri(chosen, user).toString()}>`;
  }

  /** Handles initial INVITEs; without one, INVITE is answered 405. */
  onInvite(handler: InviteHandler): void {
    this.uas.setInviteHandler(handler);
  }

  /** Handles out-of-dialog requests of one method (REGISTER, OPTIONS, MESSAGE, SUBSCRIBE...). */
  onRequest(method: string, handler: RequestHandler): () => void {
    return this.uas.setHandler(method, handler);
  }

  invite(options: OutgoingInviteOptions): OutgoingInvite {
    const protocol = options.target?.protocol ?? 'udp';
    const req = buildRequest({
      method: 'INVITE',
      uri: requestUriOf(options.to),
      to: options.to,
      from: options.from ?? `<sip:rvoip@${this.domain}>`,
      contact: this.contactFor(protocol),
      userAgent: this.userAgent,
      headers: [['Allow', this.uas.allowed().join(', ')], ['Supported', 'replaces'], ...(options.headers ?? [])],
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
    });
    const digest = options.credentials ? new DigestClient(options.credentials, { logger: this.logger }) : undefined;
    return new OutgoingInviteImpl(req, this.ctx, options.target, digest);
  }

  /** Sends an out-of-dialog request built elsewhere (or by `buildRequest`) and returns the final response. */
  async sendRequest(req: SipRequest, opts: SendOptions = {}): Promise<SipResponse> {
    if (!req.headers.has('user-agent')) req.appendHeader('User-Agent', this.userAgent);
    const digest = opts.credentials ? new DigestClient(opts.credentials, { logger: this.logger }) : undefined;
    const { response } = await sendWithAuth(this.transactions, req, opts.target, digest);
    return response;
  }

  /** Registers a Contact for an AOR with a registrar and keeps it refreshed until `unregister()`. */
  async register(options: RegistrationOptions): Promise<Registration> {
    const registration = new Registration(options, {
      domain: this.domain,
      userAgent: this.userAgent,
      contactFor: (protocol, user) => this.contactFor(protocol, user),
      send: (req, send) => this.sendRequest(req, send),
      logger: this.logger,
      onEnd: (r) => this.registrations.delete(r),
    });
    this.registrations.add(registration);
    await registration.start();
    return registration;
  }

  stats(): { dialogs: number; transactions: ReturnType<TransactionLayer['stats']>; transport: ReturnType<TransportLayer['stats']> } {
    return { dialogs: this.dialogs.size, transactions: this.transactions.stats(), transport: this.transport.stats() };
  }

  /** Ends registrations and dialogs (without BYE; the session layer sends those first) and closes every socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.registrations].map((r) => r.unregister()));
    for (const usage of [...this.dialogs.values()]) usage.close();
    this.ctx.retransmitter.close();
    this.transactions.close();
    await this.transport.close();
  }
}
