import type { CallController, Lifecycle, Logger, RegistryService, ResolvedConfig, SessionManager } from '@rvoip/contracts';
import type { SipStackHost } from '@rvoip/sip';
import type { CallEventDispatcher } from '../events/dispatcher.js';
import type { KernelStatus } from '../kernel-status.js';
import { KERNEL_VERSION } from '../version.js';
import type { SipWorkerStats } from '../workers/sip-worker-pool.js';
import { apiRoutes } from './api-routes.js';
import { formatHostPort, parseListen } from './listen.js';
import type { HostPort } from './listen.js';
import { RvoipMetrics } from './metrics.js';
import { operatorRoutes } from './routes.js';
import type { Readiness } from './routes.js';
import { Router } from './router.js';
import { HttpServer } from './server.js';

/** What the endpoint reads; resolved on start, once the services it depends on are up. */
export interface HttpTargets {
  readonly sip: SipStackHost;
  readonly sessions: SessionManager;
  readonly calls: CallController;
  readonly dispatcher: Pick<CallEventDispatcher, 'stats'>;
  readonly registry: RegistryService | undefined;
  /** Per-thread UDP counters, read only when `sip.workers` > 1. */
  readonly workers?: { stats(): readonly SipWorkerStats[] } | undefined;
}

export interface HttpServiceDeps {
  readonly config: ResolvedConfig;
  readonly logger: Logger;
  /** The kernel's phase; without a kernel, readiness is this service's own start. */
  readonly status: KernelStatus | undefined;
  readonly targets: () => HttpTargets;
  /** Names of the core lifecycle services bound in the container. */
  readonly coreServices: () => readonly string[];
}

/** Services read on every request; their absence is a wiring error worth failing the boot for. */
const REQUIRED = ['sip', 'session'] as const;
/** Read when present; ordering after them keeps their counters meaningful from the first scrape. */
const OPTIONAL = ['call-events', 'registrar'] as const;

/**
 * The `http` lifecycle service: the operator endpoint on `http.listen` (none when unset).
 * It starts after what it reads and stops before it; `/health` turns ok only when the
 * kernel reports every service started.
 */
export class HttpService implements Lifecycle {
  readonly name = 'http';
  private server: HttpServer | undefined;
  private stopping = false;
  private listeningSince: number | undefined;
  private readonly logger: Logger;

  constructor(private readonly deps: HttpServiceDeps) {
    this.logger = deps.logger.child({ component: 'http' });
  }

  /** Read by the lifecycle runner when it orders services, after every module is bound. */
  get dependsOn(): readonly string[] {
    if (this.deps.config.http.listen === undefined) return [];
    const bound = new Set(this.deps.coreServices());
    return [...REQUIRED, ...OPTIONAL.filter((name) => bound.has(name))];
  }

  /** The bound address (the OS-chosen port when `http.listen` asked for port 0). */
  get address(): HostPort | undefined {
    return this.server?.address;
  }

  get url(): string | undefined {
    const a = this.address;
    return a && `http://${formatHostPort(a)}`;
  }

  async onStart(): Promise<void> {
    const listen = this.deps.config.http.listen;
    if (listen === undefined) return;
    const target = parseListen(listen);
    const t = this.deps.targets();
    const registry = t.registry;
    const workers = t.workers;
    const metrics = new RvoipMetrics({
      sip: () => (t.sip.started ? t.sip.stack.stats() : undefined),
      sessions: () => t.sessions.list(),
      callEventAdapters: () => t.dispatcher.stats(),
      ...(registry && { registrations: () => registry.list() }),
      ...(workers !== undefined && this.deps.config.sip.workers > 1 && { workers: () => workers.stats() }),
    }, KERNEL_VERSION, this.logger);
    const router = operatorRoutes(new Router(), {
      readiness: () => this.readiness(),
      uptimeSeconds: () => this.uptimeSeconds(),
      version: KERNEL_VERSION,
      metrics,
    });
    apiRoutes(router, { sessions: t.sessions, calls: t.calls, registry });
    const server = new HttpServer({ router, logger: this.logger, onAnswered: (r) => metrics.observe(r) });
    const bound = await server.listen(target);
    this.server = server;
    this.stopping = false;
    this.listeningSince = Date.now();
    this.logger.info({ host: bound.host, port: bound.port, url: this.url }, 'HTTP listening');
  }

  async onStop(): Promise<void> {
    this.stopping = true;
    const server = this.server;
    if (!server) return;
    // In-flight requests may finish (a DELETE waits for the BYE), within the hook's bound.
    await server.close(Math.min(2_000, this.deps.config.kernel.hookTimeoutMs / 2));
    this.server = undefined;
    this.logger.info('HTTP stopped');
  }

  private readiness(): Readiness {
    if (this.stopping) return 'stopping';
    const phase = this.deps.status?.phase ?? 'started';
    if (phase === 'started') return 'ok';
    return phase === 'stopping' || phase === 'stopped' ? 'stopping' : 'starting';
  }

  private uptimeSeconds(): number {
    const since = this.deps.status?.startedAt?.getTime() ?? this.listeningSince ?? Date.now();
    return Math.floor((Date.now() - since) / 1000);
  }
}
