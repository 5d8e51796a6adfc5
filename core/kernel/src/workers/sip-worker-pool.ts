/**
 * `sip.workers` > 1: the main thread's side of the UDP registrar workers. The 'sip-workers'
 * lifecycle starts N-1 worker threads once SIP, storage and the registrar run (each binds
 * the main thread's udp:// ports with SO_REUSEPORT), injects the datagrams they forward
 * into the main stack, republishes their registration changes on the main registry, and
 * stops them before SIP, storage and the registrar stop.
 *
 * A worker that dies after boot is logged (error) and not restarted: its socket leaves the
 * SO_REUSEPORT group, so the kernel hashes its peers over the remaining sockets and they
 * are served at once (a retransmitted REGISTER at worst); a restart loop would only hide a
 * failure that repeats.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RvoipError } from '@rvoip/contracts';
import type { Lifecycle, Logger, ResolvedConfig } from '@rvoip/contracts';
import type { DefaultRegistryService, RegistrarOverrides } from '@rvoip/session';
import type { SipStackHost } from '@rvoip/sip';
import { withTimeout } from '../lifecycle/timeout.js';
import { isRegisterDatagram } from './datagram-peek.js';
import { COUNTERS_PER_THREAD } from './protocol.js';
import type { MainToWorker, SipWorkerData, StoragePluginRef, WorkerRegistrarOverrides, WorkerToMain } from './protocol.js';

/** Per-thread counts for /metrics; worker 0 is the main thread. */
export interface SipWorkerStats {
  readonly worker: number;
  readonly registers: number;
  readonly forwarded: number;
}

export interface SipWorkerPoolDeps {
  readonly config: ResolvedConfig;
  readonly logger: Logger;
  readonly host: () => SipStackHost;
  readonly registry: DefaultRegistryService;
  /** Undefined when storage is not a plugin (config validation rejects that with workers). */
  readonly storage: () => StoragePluginRef | undefined;
  readonly nonceSecret: () => string | Buffer;
  readonly overrides: RegistrarOverrides | undefined;
  /** The worker script; defaults to ./sip-worker (tests run a stand-in speaking the same protocol). */
  readonly workerUrl?: URL;
}

const here = fileURLToPath(import.meta.url);
// Run from source (tsx) the worker is a .ts file; built, a .js one.
const WORKER_URL = new URL(`./sip-worker${extname(here)}`, import.meta.url);

export class SipWorkerPool implements Lifecycle {
  readonly name = 'sip-workers';
  readonly dependsOn = ['sip', 'storage', 'registrar'] as const;
  private readonly counters: Float64Array;
  private readonly shared: SharedArrayBuffer;
  private readonly logger: Logger;
  private workers: Worker[] = [];
  private stopping = false;

  constructor(private readonly deps: SipWorkerPoolDeps) {
    this.logger = deps.logger.child({ component: 'sip-workers' });
    this.shared = new SharedArrayBuffer(Math.max(1, deps.config.sip.workers) * COUNTERS_PER_THREAD * Float64Array.BYTES_PER_ELEMENT);
    this.counters = new Float64Array(this.shared);
  }

  /** The main stack's udp `divert` hook: never diverts, counts the REGISTERs the main thread serves. */
  readonly mainDivert = (datagram: Buffer): boolean => {
    if (isRegisterDatagram(datagram)) this.counters[0]! += 1;
    return false;
  };

  stats(): SipWorkerStats[] {
    const out: SipWorkerStats[] = [];
    for (let i = 0; i < this.deps.config.sip.workers; i++) {
      out.push({ worker: i, registers: this.counters[i * COUNTERS_PER_THREAD]!, forwarded: this.counters[i * COUNTERS_PER_THREAD + 1]! });
    }
    return out;
  }

  async onStart(): Promise<void> {
    const { config } = this.deps;
    if (config.sip.workers <= 1) return;
    const storage = this.deps.storage();
    if (storage === undefined) {
      throw new RvoipError('RVOIP_ERR_SIP_WORKERS_STORAGE', `sip.workers is ${config.sip.workers}, but storage.adapter "${config.storage.adapter}" is not a storage plugin the worker threads can open`);
    }
    const listen = this.deps.host().stack.listeningPoints().filter((p) => p.protocol === 'udp')
      .map((p) => ({ host: p.host, port: p.port, ...(p.advertisedHost === undefined ? {} : { advertisedHost: p.advertisedHost }) }));
    if (listen.length === 0) {
      this.logger.warn({ workers: config.sip.workers }, 'sip.workers ignored: no udp:// listen point');
      return;
    }
    this.stopping = false;
    const base = { config, logLevel: config.log.level, storage, listen, nonceSecret: this.deps.nonceSecret(), overrides: this.overrides(), counters: this.shared };
    const started: Array<Promise<void>> = [];
    for (let index = 1; index < config.sip.workers; index++) started.push(this.spawn({ ...base, index }));
    await Promise.all(started);
    this.logger.info({ workers: config.sip.workers, listen: listen.map((p) => `udp://${p.host}:${p.port}`) }, 'sip workers started');
  }

  async onStop(): Promise<void> {
    this.stopping = true;
    const workers = this.workers;
    this.workers = [];
    const bound = Math.max(1, Math.floor(this.deps.config.kernel.hookTimeoutMs / 2));
    await Promise.all(workers.map(async (w) => {
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.postMessage({ type: 'stop' } satisfies MainToWorker);
      await withTimeout(() => exited, bound, () => new RvoipError('RVOIP_ERR_SIP_WORKER_STOP', `sip worker did not stop within ${bound} ms`))
        .catch(async (err: unknown) => {
          this.logger.error({ err }, 'terminating sip worker');
          await w.terminate();
        });
    }));
  }

  private overrides(): WorkerRegistrarOverrides {
    const o = this.deps.overrides;
    if (o === undefined) return {};
    const { aliases, checkDigestUri, digestAlgorithms, defaultExpires, minExpires, maxExpires } = o;
    return Object.fromEntries(Object.entries({ aliases, checkDigestUri, digestAlgorithms, defaultExpires, minExpires, maxExpires })
      .filter(([, v]) => v !== undefined)) as WorkerRegistrarOverrides;
  }

  /** Resolves once the worker serves REGISTER; rejects with its start error. */
  private spawn(data: SipWorkerData): Promise<void> {
    const worker = new Worker(this.deps.workerUrl ?? WORKER_URL, { workerData: data, name: `rvoip-sip-worker-${data.index}` });
    this.workers.push(worker);
    const log = this.logger.child({ worker: data.index });
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (message: WorkerToMain) => {
        if (message.type === 'datagram') this.inject(message);
        else if (message.type === 'change') this.deps.registry.publish(message.change);
        else if (message.type === 'ready') {
          ready = true;
          resolve();
        }
      });
      worker.on('error', (err) => {
        if (!ready) reject(new RvoipError('RVOIP_ERR_SIP_WORKER_START', `sip worker ${data.index} failed to start: ${err.message}`, { worker: data.index }, { cause: err }));
        else log.error({ err }, 'sip worker crashed; the other sockets on its port take over its peers');
      });
      worker.on('exit', (code) => {
        this.workers = this.workers.filter((w) => w !== worker);
        if (!ready) reject(new RvoipError('RVOIP_ERR_SIP_WORKER_START', `sip worker ${data.index} exited (code ${code}) before serving`));
        else if (!this.stopping) log.error({ code }, 'sip worker exited; not restarted');
      });
    });
  }

  private inject(m: Extract<WorkerToMain, { type: 'datagram' }>): void {
    const host = this.deps.host();
    if (!host.started) return;
    host.stack.transport.injectDatagram(Buffer.from(m.data), m);
  }
}
