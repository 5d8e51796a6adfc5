import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallEventAdapterStats, CallState, ContactBinding, Logger, SessionInfo } from '@rvoip/contracts';
import type { SipStack } from '@rvoip/sip';
import type { AnsweredRequest } from './server.js';
import type { SipWorkerStats } from '../workers/sip-worker-pool.js';

export type SipStackStats = ReturnType<SipStack['stats']>;

/** Where the numbers come from; read once per scrape. */
export interface MetricsSources {
  /** Undefined while the SIP stack is not running. */
  sip(): SipStackStats | undefined;
  sessions(): readonly SessionInfo[];
  callEventAdapters(): readonly CallEventAdapterStats[];
  /** Absent when no RegistryService is bound. */
  registrations?: () => Promise<readonly ContactBinding[]>;
  /** Present with `sip.workers` > 1: per-thread UDP counts (worker 0 is the main thread). */
  workers?: () => readonly SipWorkerStats[];
}

interface Snapshot {
  readonly sip: SipStackStats | undefined;
  readonly sessions: readonly SessionInfo[];
  readonly adapters: readonly CallEventAdapterStats[];
  readonly registrations: readonly ContactBinding[] | undefined;
  readonly workers: readonly SipWorkerStats[];
}

type Labels<L extends string> = Partial<Record<L, string | number>>;
type Sample<L extends string> = readonly [Labels<L>, number];
type Reader<L extends string> = (s: Snapshot) => readonly Sample<L>[];

// Every state is exported (zeros included) so dashboards see stable series.
const CALL_STATES: readonly CallState[] = [
  'idle', 'calling', 'ringing', 'early-media', 'active', 'on-hold', 'resuming', 'transferring', 'terminating', 'terminated', 'failed',
];

const one = (value: number | undefined): readonly Sample<never>[] => (value === undefined ? [] : [[{}, value]]);

/**
 * The Prometheus view of a node: process/Node defaults plus `rvoip_*` series read from the
 * services on each scrape (the services keep plain counters; nothing here is on the
 * signalling path). Counters mirror the services' cumulative counts.
 */
export class RvoipMetrics {
  readonly registry = new Registry();
  private snapshot: Snapshot | undefined;
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;

  constructor(private readonly sources: MetricsSources, version: string, private readonly logger: Logger) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: 'rvoip_build_info', help: 'rvoip version of this node (always 1).', labelNames: ['version'], registers: [this.registry] })
      .set({ version }, 1);
    this.httpRequests = new Counter({
      name: 'rvoip_http_requests_total', help: 'HTTP requests answered by the operator endpoint.',
      labelNames: ['method', 'route', 'status'], registers: [this.registry],
    });
    this.defineSip();
    this.defineSessions();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  observe(request: AnsweredRequest): void {
    this.httpRequests.inc({ method: request.method, route: request.route, status: request.status });
  }

  /** Prometheus text exposition of every series. */
  async render(): Promise<string> {
    this.snapshot = await this.read();
    return this.registry.metrics();
  }

  private async read(): Promise<Snapshot> {
    let registrations: readonly ContactBinding[] | undefined;
    try {
      registrations = await this.sources.registrations?.();
    } catch (err) {
      // One failing source (e.g. storage down) must not take the other series with it.
      this.logger.warn({ err }, 'metrics: registrations unavailable');
    }
    return {
      sip: this.sources.sip(), sessions: this.sources.sessions(), adapters: this.sources.callEventAdapters(), registrations,
      workers: this.sources.workers?.() ?? [],
    };
  }

  private defineSip(): void {
    const t = (s: Snapshot) => s.sip?.transport;
    const tx = (s: Snapshot) => s.sip?.transactions;
    this.counter('rvoip_sip_transport_messages_received_total', 'SIP messages (requests and responses) received.', [], (s) => one(t(s)?.received));
    this.counter('rvoip_sip_transport_messages_sent_total', 'SIP messages sent.', [], (s) => one(t(s)?.sent));
    this.counter('rvoip_sip_transport_bad_requests_total', 'SIP requests refused by the parser.', [], (s) => one(t(s)?.badRequests));
    this.counter('rvoip_sip_transport_error_responses_sent_total', 'Error responses (400/413/505) sent by the transport layer itself.', [], (s) => one(t(s)?.errorResponsesSent));
    this.counter('rvoip_sip_transport_responses_dropped_total', 'SIP responses dropped: unparseable, or top Via not ours.', ['reason'], (s) => {
      const x = t(s);
      return x ? [[{ reason: 'unparseable' }, x.badResponsesDropped], [{ reason: 'foreign_via' }, x.foreignResponsesDropped]] : [];
    });
    this.counter('rvoip_sip_transport_requests_shed_total', 'SIP requests refused with 503 because the inbound queue was full.', [], (s) => one(t(s)?.shed));
    this.counter('rvoip_sip_transport_framing_errors_total', 'Stream framing errors (TCP/TLS/WS).', [], (s) => one(t(s)?.framingErrors));
    this.counter('rvoip_sip_transport_mtu_switches_total', 'UDP requests moved to TCP because of their size.', [], (s) => one(t(s)?.mtuSwitches));
    this.gauge('rvoip_sip_transport_connections', 'Open stream connections (TCP/TLS/WS).', [], (s) => one(t(s)?.connections));
    this.gauge('rvoip_sip_transport_queue_messages', 'Inbound messages per listening point, queued or being handled.', ['transport', 'state'], (s) =>
      (t(s)?.queues ?? []).flatMap((q): Sample<'transport' | 'state'>[] => {
        const transport = `${q.protocol}://${q.host.includes(':') ? `[${q.host}]` : q.host}:${q.port}`;
        return [[{ transport, state: 'queued' }, q.depth], [{ transport, state: 'in_flight' }, q.inFlight]];
      }));
    this.gauge('rvoip_sip_transactions', 'Live SIP transactions by kind.', ['kind'], (s) =>
      Object.entries(tx(s)?.active ?? {}).map(([kind, n]): Sample<'kind'> => [{ kind }, n]));
    this.counter('rvoip_sip_transaction_retransmissions_total', 'Retransmissions sent by us, and absorbed (received duplicates).', ['direction'], (s) => {
      const x = tx(s);
      return x ? [[{ direction: 'sent' }, x.retransmissionsSent], [{ direction: 'absorbed' }, x.retransmissionsAbsorbed]] : [];
    });
    this.counter('rvoip_sip_transaction_timeouts_total', 'SIP transactions that timed out (timers B, F, H...).', [], (s) => one(tx(s)?.timeouts));
    this.counter('rvoip_sip_transaction_transport_errors_total', 'SIP transactions ended by a transport error.', [], (s) => one(tx(s)?.transportErrors));
    this.counter('rvoip_sip_transaction_merged_requests_total', 'Merged requests detected (RFC 3261 8.2.2.2).', [], (s) => one(tx(s)?.mergedRequests));
    this.counter('rvoip_sip_transaction_stray_responses_total', 'Responses matching no client transaction.', [], (s) => one(tx(s)?.strayResponses));
    this.gauge('rvoip_sip_dialogs', 'Live SIP dialogs.', [], (s) => one(s.sip?.dialogs));
    if (this.sources.workers) {
      this.counter('rvoip_sip_worker_requests_total', 'UDP REGISTER datagrams served per thread (sip.workers; worker 0 is the main thread).', ['worker'], (s) =>
        s.workers.map((w): Sample<'worker'> => [{ worker: w.worker }, w.registers]));
      this.counter('rvoip_sip_worker_forwarded_total', 'Datagrams a worker thread forwarded to the main thread (everything but REGISTER).', ['worker'], (s) =>
        s.workers.filter((w) => w.worker > 0).map((w): Sample<'worker'> => [{ worker: w.worker }, w.forwarded]));
    }
  }

  private defineSessions(): void {
    this.gauge('rvoip_sessions', 'Live call sessions by state.', ['state'], (s) => {
      const counts = new Map<string, number>(CALL_STATES.map((state) => [state, 0]));
      for (const session of s.sessions) counts.set(session.state, (counts.get(session.state) ?? 0) + 1);
      return [...counts].map(([state, n]): Sample<'state'> => [{ state }, n]);
    });
    if (this.sources.registrations) {
      this.gauge('rvoip_registrar_contact_bindings', 'Live registrar contact bindings.', [], (s) => one(s.registrations?.length));
      this.gauge('rvoip_registrar_aors', 'Addresses of record with at least one live binding.', [], (s) =>
        one(s.registrations && new Set(s.registrations.map((b) => b.aor)).size));
    }
    this.counter('rvoip_call_events_total', 'Call events per CallEventAdapter by outcome (delivered, failed, timed_out, dropped).', ['adapter', 'plugin', 'outcome'], (s) =>
      s.adapters.flatMap((a): Sample<'adapter' | 'plugin' | 'outcome'>[] => {
        const l = { adapter: a.adapter, plugin: a.pluginId };
        return [[{ ...l, outcome: 'delivered' }, a.delivered], [{ ...l, outcome: 'failed' }, a.failed], [{ ...l, outcome: 'timed_out' }, a.timedOut], [{ ...l, outcome: 'dropped' }, a.dropped]];
      }));
    this.gauge('rvoip_call_event_queue_events', 'Call events waiting in each CallEventAdapter queue.', ['adapter', 'plugin'], (s) =>
      s.adapters.map((a): Sample<'adapter' | 'plugin'> => [{ adapter: a.adapter, plugin: a.pluginId }, a.queued]));
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[], read: Reader<L>): void {
    const current = (): Snapshot | undefined => this.snapshot;
    new Counter<L>({
      name, help, labelNames, registers: [this.registry],
      collect() {
        this.reset();
        const s = current();
        if (s) for (const [labels, value] of read(s)) this.inc(labels, value);
      },
    });
  }

  private gauge<L extends string>(name: string, help: string, labelNames: readonly L[], read: Reader<L>): void {
    const current = (): Snapshot | undefined => this.snapshot;
    new Gauge<L>({
      name, help, labelNames, registers: [this.registry],
      collect() {
        this.reset();
        const s = current();
        if (s) for (const [labels, value] of read(s)) this.set(labels, value);
      },
    });
  }
}
