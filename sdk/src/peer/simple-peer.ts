import type { CallEventAdapter, IncomingRequestInfo, SignalingDecision, SignalingHandler } from '@rvoip/contracts';
import { Decision, RvoipError, silentLogger } from '@rvoip/contracts';
import { SipStack } from '@rvoip/sip';
import type { Registration } from '@rvoip/sip';
import { MediaEngine } from '@rvoip/media';
import {
  DefaultCallController, DefaultSessionManager, LocalEventSink, mediaEngineLegs, SessionRuntime, loadStateTable,
} from '@rvoip/session';
import type { SessionEvents } from '@rvoip/session';
import { Call, IncomingCall, type CallHost } from './call.js';
import { PeerClosedError, RegistrationFailedError, UnknownTargetError } from './errors.js';
import { IncomingQueue } from './incoming-queue.js';
import { normalizeConfig, targetUri, type SimplePeerConfig } from './peer-config.js';

export interface RegisterOptions {
  /** Registrar URI, e.g. `sip:127.0.0.1:5060`. */
  readonly registrar: string;
  readonly username: string;
  readonly password: string;
  readonly realm?: string;
  readonly expires?: number;
  /** Address of record; default `sip:<username>@<registrar host>`. */
  readonly aor?: string;
}

/**
 * A SIP endpoint in a few lines: `await SimplePeer.create('alice', 5060)`, then
 * `peer.call('bob@127.0.0.1:5061')` or `for await (const call of peer.incomingCalls())`.
 * It owns a SIP stack, a media engine and a session layer; `close()` ends everything.
 */
export class SimplePeer implements CallHost {
  readonly config: SimplePeerConfig;
  private stack!: SipStack;
  private engine!: MediaEngine;
  private runtime!: SessionRuntime;
  calls!: DefaultCallController;
  sessions!: DefaultSessionManager;
  events!: SessionEvents;
  private readonly ready: Promise<void>;
  private readonly live = new Map<string, Call>();
  private readonly incoming = new IncomingQueue<IncomingCall>();
  private readonly incomingListeners = new Set<(call: IncomingCall) => void>();
  private readonly registrations: Registration[] = [];
  private readonly adapters: CallEventAdapter[];
  private sink!: LocalEventSink;
  private closed = false;
  private uri = '';

  constructor(nameOrConfig: string | SimplePeerConfig, port?: number) {
    this.config = normalizeConfig(nameOrConfig, port);
    this.adapters = [...(this.config.eventAdapters ?? [])];
    this.ready = this.start();
    // An unobserved start failure resurfaces from the first awaited call instead.
    this.ready.catch(() => undefined);
  }

  static async create(nameOrConfig: string | SimplePeerConfig, port?: number): Promise<SimplePeer> {
    const peer = new SimplePeer(nameOrConfig, port);
    await peer.ready;
    return peer;
  }

  private async start(): Promise<void> {
    const c = this.config;
    const host = c.host ?? '127.0.0.1';
    const logger = c.logger ?? silentLogger;
    this.stack = await SipStack.create({ listen: [`udp://${host}:${c.port ?? 5060}`], domain: host, logger });
    this.engine = new MediaEngine({ bindAddress: host, ...(c.rtpPorts && { rtpPortRange: [c.rtpPorts[0], c.rtpPorts[1]] as [number, number] }) });
    const bound = this.stack.listeningPoints()[0]!;
    this.uri = `sip:${c.name}@${host.includes(':') ? `[${host}]` : host}:${bound.port}`;
    this.sink = new LocalEventSink(() => this.adapters, logger);
    const signaling: SignalingHandler = { decide: (req) => this.decide(req) };
    this.runtime = new SessionRuntime({
      ua: this.stack,
      media: mediaEngineLegs(this.engine, c.codecs),
      signaling,
      table: loadStateTable(),
      sink: this.sink,
      settings: {
        localUri: this.uri,
        ...(c.displayName && { displayName: c.displayName }),
        ...(c.ringTimeoutMs && { deferTimeoutMs: c.ringTimeoutMs }),
        ...(c.codecs && { codecs: c.codecs }),
      },
      logger,
    });
    this.calls = new DefaultCallController(this.runtime);
    this.sessions = new DefaultSessionManager(this.runtime);
    this.events = this.runtime.events;
  }

  private async decide(req: IncomingRequestInfo): Promise<SignalingDecision> {
    const custom = this.config.decide ? await this.config.decide(req) : undefined;
    if (custom && custom.kind !== 'accept') return custom;
    if (this.config.autoAnswer || custom?.kind === 'accept') {
      if (req.sessionId) queueMicrotask(() => this.offer(req.sessionId!));
      return Decision.accept();
    }
    if (req.sessionId) queueMicrotask(() => this.offer(req.sessionId!));
    return Decision.defer({ ring: true, ...(this.config.ringTimeoutMs && { timeoutMs: this.config.ringTimeoutMs }) });
  }

  private offer(sessionId: string): void {
    const info = this.sessions.get(sessionId);
    if (!info) return;
    const call = new IncomingCall(this, info);
    this.live.set(call.id, call);
    this.incoming.prune((c) => c.state === 'terminated' || c.state === 'failed');
    this.incoming.push(call);
    for (const l of [...this.incomingListeners]) l(call);
  }

  /** Our SIP address, e.g. `sip:alice@127.0.0.1:5060`. */
  get address(): string {
    return this.uri;
  }

  get port(): number {
    return Number(/:(\d+)$/.exec(this.uri)?.[1] ?? 0);
  }

  get name(): string {
    return this.config.name;
  }

  /** Places a call; `await call.waitForAnswer()` to know it was answered. */
  async call(target: string, options: { readonly timeoutMs?: number; readonly headers?: Readonly<Record<string, string>> } = {}): Promise<Call> {
    await this.ensureOpen();
    const uri = targetUri(target);
    if (!uri) throw new UnknownTargetError(target, 'expected user@host[:port] or a sip: URI');
    const info = await this.calls.dial({ to: uri, ...(options.timeoutMs && { timeoutMs: options.timeoutMs }), ...(options.headers && { headers: options.headers }) });
    const call = new Call(this, info);
    this.live.set(call.id, call);
    return call;
  }

  /** Incoming calls, one at a time, for `for await (const call of peer.incomingCalls())`. */
  incomingCalls(): AsyncIterable<IncomingCall> {
    return this.incoming;
  }

  /** The next incoming call (convenience over the iterator). */
  nextIncomingCall(): Promise<IncomingCall> {
    return this.incoming.next();
  }

  onIncomingCall(listener: (call: IncomingCall) => void): () => void {
    this.incomingListeners.add(listener);
    return () => this.incomingListeners.delete(listener);
  }

  /** Registers our address with a registrar (digest credentials) and keeps it refreshed. */
  async register(options: RegisterOptions): Promise<void> {
    await this.ensureOpen();
    const host = options.registrar.replace(/^sips?:/, '').replace(/[;?].*$/, '');
    try {
      this.registrations.push(await this.stack.register({
        registrar: options.registrar,
        aor: options.aor ?? `sip:${options.username}@${host}`,
        credentials: { username: options.username, password: options.password, ...(options.realm && { realm: options.realm }) },
        ...(options.expires && { expires: options.expires }),
      }));
    } catch (err) {
      const status = err instanceof RvoipError && typeof err.details.status === 'number' ? err.details.status : 0;
      throw new RegistrationFailedError(options.registrar, status, err instanceof Error ? err.message : String(err));
    }
  }

  get activeCalls(): readonly Call[] {
    return [...this.live.values()].filter((c) => c.state !== 'terminated' && c.state !== 'failed');
  }

  findCall(idOrCallId: string): Call | undefined {
    return this.live.get(idOrCallId) ?? [...this.live.values()].find((c) => c.callId === idOrCallId);
  }

  async hangupAll(): Promise<void> {
    await Promise.allSettled(this.activeCalls.map((c) => c.hangup()));
  }

  addEventAdapter(adapter: CallEventAdapter): void {
    this.adapters.push(adapter);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ready.catch(() => undefined);
    if (!this.stack) return;
    await this.hangupAll();
    await Promise.allSettled(this.registrations.map((r) => r.unregister()));
    this.incoming.end();
    await this.sink.drain();
    await this.stack.close();
    await this.engine.close();
  }

  adopt(sessionId: string): Call {
    const existing = this.live.get(sessionId);
    if (existing) return existing;
    const info = this.sessions.get(sessionId);
    if (!info) throw new PeerClosedError(this.config.name);
    const call = new Call(this, info);
    this.live.set(call.id, call);
    return call;
  }

  forget(call: Call): void {
    this.live.delete(call.id);
  }

  private async ensureOpen(): Promise<void> {
    if (this.closed) throw new PeerClosedError(this.config.name);
    await this.ready;
  }
}
