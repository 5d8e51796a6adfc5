/**
 * The body of one UDP registrar worker thread (`sip.workers` > 1). It binds its own
 * socket on each of the main thread's udp:// ports (SO_REUSEPORT, so the kernel hashes
 * each peer to one socket), serves REGISTER there with the main thread's registrar wiring
 * over its own storage connection, and forwards every other datagram to the main thread,
 * which owns calls, transactions and dialogs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { RvoipError } from '@rvoip/contracts';
import type { Logger, StorageAdapter } from '@rvoip/contracts';
import { DefaultRegistryService, serveRegister } from '@rvoip/session';
import { SipStack } from '@rvoip/sip';
import type { DatagramSource, ListenSpec } from '@rvoip/sip';
import { createLogger } from '../logging.js';
import { isRegisterDatagram } from './datagram-peek.js';
import { COUNTERS_PER_THREAD } from './protocol.js';
import type { MainToWorker, SipWorkerData, WorkerToMain } from './protocol.js';
import { openWorkerStorage } from './worker-storage.js';

class SipWorker {
  private readonly counters: Float64Array;
  private readonly served: number;
  private readonly forwarded: number;
  private stack: SipStack | undefined;
  private storage: StorageAdapter | undefined;
  private detach: (() => void) | undefined;

  constructor(private readonly data: SipWorkerData, private readonly port: MessagePort, private readonly logger: Logger) {
    this.counters = new Float64Array(data.counters);
    this.served = data.index * COUNTERS_PER_THREAD;
    this.forwarded = this.served + 1;
  }

  async start(): Promise<void> {
    const { config, overrides } = this.data;
    this.storage = await openWorkerStorage(this.data.storage, config, this.logger);
    const registry = new DefaultRegistryService(this.storage.bindings, {
      maxContacts: config.registrar.maxContacts, ...overrides, logger: this.logger.child({ component: 'registrar' }),
    });
    // Expiry purging stays in the main thread; changes made here are reported there.
    registry.onChange((change) => this.post({ type: 'change', change }));
    const divert = (datagram: Buffer, source: DatagramSource): boolean => this.divert(datagram, source);
    const listen = this.data.listen.map((p): ListenSpec => ({
      protocol: 'udp', host: p.host, port: p.port, reusePort: true, divert,
      ...(p.advertisedHost === undefined ? {} : { advertisedHost: p.advertisedHost }),
    }));
    this.stack = await SipStack.create({ listen, domain: config.sip.domain, logger: this.logger.child({ component: 'sip' }) });
    const secret = typeof this.data.nonceSecret === 'string' ? this.data.nonceSecret : Buffer.from(this.data.nonceSecret);
    this.detach = serveRegister(this.stack, {
      config, storage: this.storage, registry, overrides, nonceSecret: secret, logger: this.logger.child({ component: 'registrar' }),
    });
    this.logger.info({ listen: this.data.listen.map((p) => `udp://${p.host}:${p.port}`) }, 'sip worker serving REGISTER');
  }

  async stop(): Promise<void> {
    this.detach?.();
    await this.stack?.close();
    await this.storage?.close();
    this.logger.info('sip worker stopped');
  }

  post(message: WorkerToMain, transfer?: ArrayBuffer[]): void {
    this.port.postMessage(message, transfer);
  }

  /** REGISTERs stay here; everything else is copied into its own buffer and handed to the main thread. */
  private divert(datagram: Buffer, source: DatagramSource): boolean {
    if (isRegisterDatagram(datagram)) {
      this.counters[this.served]! += 1;
      return false;
    }
    const data = new ArrayBuffer(datagram.length);
    new Uint8Array(data).set(datagram);
    this.post({ type: 'datagram', data, ...source }, [data]);
    this.counters[this.forwarded]! += 1;
    return true;
  }
}

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new RvoipError('RVOIP_ERR_SIP_WORKER_CONTEXT', 'sip-worker.ts runs only as a worker thread started by the kernel');
  const data = workerData as SipWorkerData;
  const logger = createLogger(data.logLevel).child({ worker: data.index });
  const worker = new SipWorker(data, port, logger);
  port.on('message', (message: MainToWorker) => {
    if (message.type !== 'stop') return;
    void worker.stop().then(
      () => worker.post({ type: 'stopped' }),
      (err: unknown) => logger.error({ err }, 'sip worker stop failed'),
    ).finally(() => port.close());
  });
  await worker.start();
  worker.post({ type: 'ready' });
}

// A failed start surfaces as the Worker's 'error' event in the main thread, with this error.
await main();
