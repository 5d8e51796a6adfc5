/**
 * The rvoip registrar as a standalone process for benchmarks: SipStack on UDP, digest
 * over `--users` users (`u<i>` / `pw<i>`), in-memory storage (or SQLite with --sqlite
 * <file>). Prints one JSON line `{"port":N}` once listening; SIGTERM closes it and prints
 * `{"handled":[...]}` (200 OKs to REGISTER per worker) before exiting.
 *
 * `--workers N` (N > 1) runs N worker threads, each its own SipStack with its own UDP
 * socket bound to the same port with SO_REUSEPORT: the kernel spreads peers over the
 * sockets by source address and port, so a peer's requests and retransmissions always
 * reach the same worker (its server transactions and its nonce's nc table live there).
 * What the workers share:
 * - bindings: one SQLite file in WAL mode (each worker its own connection, busy timeout);
 *   the memory store cannot be shared between threads, so N > 1 implies SQLite;
 * - nonces: self-validating MACs under one secret (RVOIP_NONCE_SECRET, else random per
 *   run), so a challenge issued by one worker is accepted by any other.
 * What they do not: nc replay tables are per worker. A replayed Authorization sent from
 * another source port can land on a worker that never saw that nonce and pass once there:
 * the replay window grows from 0 to at most N-1 per captured request, within the nonce
 * lifetime. Per-AOR ordering (RFC 3261 10.3 step 7's read-check-write) is serialized per
 * worker only; two sources registering one AOR at once on different workers can interleave.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { StorageAdapter } from '@rvoip/contracts';
import { MemoryStorageAdapter } from '@rvoip/kernel';
import { DigestServer, SipStack } from '@rvoip/sip';
import type { DigestAlgorithm } from '@rvoip/sip';
import { DefaultRegistryService, UserDirectory, attachRegistrar } from '@rvoip/session';

interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly domain: string;
  readonly users: number;
  readonly sqlite: string | undefined;
  readonly sqliteSync: 'full' | 'normal' | 'extra';
  readonly reusePort: boolean;
  readonly secret: Buffer;
  readonly algorithms: DigestAlgorithm[];
}

interface Served {
  readonly port: number;
  /** Closes everything; resolves with the number of 200 OKs this server sent to REGISTER. */
  stop(): Promise<number>;
}

async function serve(o: ServeOptions): Promise<Served> {
  let storage: StorageAdapter = new MemoryStorageAdapter();
  if (o.sqlite !== undefined) {
    const { SqliteStorageAdapter } = await import('@rvoip/storage-sqlite');
    storage = new SqliteStorageAdapter({ path: o.sqlite, synchronous: o.sqliteSync });
  }
  await storage.open();
  const users = Array.from({ length: o.users }, (_, i) => ({ username: `u${i}`, password: `pw${i}` }));
  const directory = new UserDirectory(users, o.domain, storage.users);
  const registry = new DefaultRegistryService(storage.bindings);
  const stack = await SipStack.create({
    listen: [{ protocol: 'udp', host: o.host, port: o.port, reusePort: o.reusePort }], domain: o.domain, maxInboundQueue: 100_000,
  });
  let handled = 0;
  attachRegistrar(stack, {
    registry,
    domains: [o.domain],
    users: directory,
    auth: new DigestServer({ realm: o.domain, secret: o.secret, algorithms: o.algorithms, lookup: (u) => directory.secret(u), maxTrackedNonces: 200_000 }),
    onResponded: (outcome) => {
      if (outcome.status === 200) handled++;
    },
  });
  registry.start();
  return {
    port: stack.listeningPoints()[0]!.port,
    async stop() {
      await registry.stop();
      await stack.close();
      await storage.close();
      return handled;
    },
  };
}

type WorkerMessage = { type: 'listening'; port: number } | { type: 'stopped'; handled: number } | { type: 'failed'; message: string };

/** One worker thread: serves, reports its port, stops when told. */
async function workerMain(o: ServeOptions): Promise<void> {
  const port = parentPort!;
  try {
    const served = await serve(o);
    port.postMessage({ type: 'listening', port: served.port } satisfies WorkerMessage);
    port.once('message', () => {
      void served.stop().then((handled) => {
        port.postMessage({ type: 'stopped', handled } satisfies WorkerMessage);
        port.close();
      });
    });
  } catch (err) {
    port.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies WorkerMessage);
  }
}

function next(w: Worker, type: WorkerMessage['type']): Promise<WorkerMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: WorkerMessage): void => {
      if (m.type === 'failed') reject(new Error(`registrar worker failed: ${m.message}`));
      else if (m.type === type) resolve(m);
      else return;
      w.off('message', onMessage);
    };
    w.on('message', onMessage);
    w.once('error', reject);
  });
}

/** Starts worker 0 (which picks the port when 0 and migrates SQLite), then the rest on its port. */
async function primaryMain(o: ServeOptions, workers: number): Promise<void> {
  const file = new URL(import.meta.url);
  const started: Worker[] = [];
  let port = o.port;
  for (let i = 0; i < workers; i++) {
    const w = new Worker(file, { workerData: { ...o, port } satisfies ServeOptions, execArgv: process.execArgv });
    started.push(w);
    const m = await next(w, 'listening');
    if (m.type === 'listening') port = m.port;
  }
  process.stdout.write(JSON.stringify({ port, workers }) + '\n');
  process.once('SIGTERM', () => {
    void (async () => {
      const handled = await Promise.all(started.map(async (w) => {
        const done = next(w, 'stopped');
        w.postMessage('stop');
        const m = await done;
        return m.type === 'stopped' ? m.handled : 0;
      }));
      process.stdout.write(JSON.stringify({ handled }) + '\n');
      if (o.sqlite !== undefined && o.sqlite.startsWith(tmpdir())) for (const s of ['', '-wal', '-shm']) rmSync(o.sqlite + s, { force: true });
      process.exit(0);
    })();
  });
}

if (!isMainThread) {
  const d = workerData as ServeOptions;
  await workerMain({ ...d, secret: Buffer.from(d.secret) });
} else {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' }, domain: { type: 'string', default: 'bench.rvoip' },
      users: { type: 'string', default: '10000' }, sqlite: { type: 'string' }, 'sqlite-sync': { type: 'string', default: 'normal' },
      workers: { type: 'string', default: '1' }, algorithms: { type: 'string', default: 'SHA-256,MD5' },
    },
  });
  const workers = Math.max(1, Number(values.workers));
  const envSecret = process.env.RVOIP_NONCE_SECRET;
  const opts: ServeOptions = {
    host: values.host, port: Number(values.port), domain: values.domain, users: Number(values.users),
    // Threads cannot share the memory store: more than one worker needs a shared SQLite file.
    sqlite: values.sqlite ?? (workers > 1 ? join(tmpdir(), `rvoip-registrar-${process.pid}.db`) : undefined),
    sqliteSync: values['sqlite-sync'] as ServeOptions['sqliteSync'],
    reusePort: workers > 1,
    algorithms: values.algorithms.split(',') as DigestAlgorithm[],
    secret: envSecret !== undefined ? Buffer.from(envSecret, 'utf8') : randomBytes(32),
  };
  if (workers > 1) {
    await primaryMain(opts, workers);
  } else {
    const served = await serve(opts);
    process.stdout.write(JSON.stringify({ port: served.port, workers: 1 }) + '\n');
    process.once('SIGTERM', () => {
      void served.stop().then((handled) => {
        process.stdout.write(JSON.stringify({ handled: [handled] }) + '\n');
        if (opts.sqlite !== undefined && opts.sqlite.startsWith(tmpdir())) for (const s of ['', '-wal', '-shm']) rmSync(opts.sqlite + s, { force: true });
        process.exit(0);
      });
    });
  }
}
