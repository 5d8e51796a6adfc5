/**
 * rvoip's REGISTER load tool: N distinct users over UDP, a window of flows in flight per
 * thread, each 401 answered with a digest response, 200s counted per second, errors by
 * kind, flow latency percentiles and the generator's own CPU cost per REGISTER (so a run
 * shows whether the tool or the server was the bottleneck). SIPp cannot take per-user
 * digest credentials from an injection file (SIPp issue #640) and saturates first.
 *
 *   node --import tsx --conditions=rvoip-source bench/tools/register-load.ts \
 *     --port 5060 --domain bench.rvoip --users 10000 --window 200 --threads 1 --sockets 8 --duration 10000
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LoadOptions, LoadReport, WorkerResult } from './register-load-types.js';

export type { LoadOptions, LoadReport } from './register-load-types.js';

export const DEFAULT_LOAD: LoadOptions = {
  host: '127.0.0.1', port: 5060, domain: 'bench.rvoip', users: 10_000, userPrefix: 'u', passwordPrefix: 'pw',
  window: 200, threads: 1, sockets: 8, durationMs: 10_000, expires: 3600, algorithm: 'first',
};

const WORKER = new URL('./register-load-worker.ts', import.meta.url);

/** Warms every user up once (not counted), then measures for durationMs. */
export async function runRegisterLoad(
  partial: Partial<LoadOptions>,
  warmTimeoutMs = 120_000,
  /** Called between the warm-up and the measurement (e.g. to sample the server's CPU). */
  onMeasureStart?: () => void,
): Promise<LoadReport> {
  const opts: LoadOptions = { ...DEFAULT_LOAD, ...partial };
  const per = Math.ceil(opts.users / opts.threads);
  const workers = Array.from({ length: opts.threads }, (_, index) => new Worker(WORKER, {
    workerData: { opts, index, first: index * per, count: Math.max(0, Math.min(per, opts.users - index * per)) },
  }));
  try {
    await all(workers, 'ready', 10_000);
    for (const w of workers) w.postMessage({ type: 'warm' });
    await all(workers, 'warm', warmTimeoutMs);
    onMeasureStart?.();
    for (const w of workers) w.postMessage({ type: 'measure' });
    const results = (await all(workers, 'result', opts.durationMs + 30_000)) as WorkerResult[];
    return report(opts, results);
  } finally {
    for (const w of workers) w.postMessage({ type: 'close' });
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function all(workers: readonly Worker[], type: string, timeoutMs: number): Promise<unknown[]> {
  return Promise.all(workers.map((w, i) => new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`register-load thread ${i}: no "${type}" within ${timeoutMs} ms (server down or refusing?)`)), timeoutMs);
    const onMessage = (msg: { type: string; result?: unknown }): void => {
      if (msg.type !== type) return;
      clearTimeout(timer);
      w.off('message', onMessage);
      resolve(msg.result);
    };
    w.on('message', onMessage);
    w.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  })));
}

function report(opts: LoadOptions, results: readonly WorkerResult[]): LoadReport {
  const ok = sum(results.map((r) => r.ok));
  const errors: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  const elapsed = Math.max(...results.map((r) => r.elapsedMs));
  const cpuMs = sum(results.map((r) => r.cpuMs));
  const lat = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const pct = (p: number): number => round(lat.length === 0 ? 0 : lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]!, 2);
  const cpuUs = ok === 0 ? 0 : (cpuMs * 1000) / ok;
  return {
    registersPerSecond: Math.round((ok * 1000) / elapsed),
    ok,
    errors,
    errorCount: sum(Object.values(errors)),
    retransmits: sum(results.map((r) => r.retransmits)),
    latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: round(lat.at(-1) ?? 0, 2) },
    durationMs: Math.round(elapsed),
    generatorCpuUsPerRegister: round(cpuUs, 1),
    generatorCapacityPerCore: cpuUs === 0 ? 0 : Math.round(1e6 / cpuUs),
    options: opts,
  };
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      host: { type: 'string' }, port: { type: 'string' }, domain: { type: 'string' }, users: { type: 'string' },
      window: { type: 'string' }, threads: { type: 'string' }, sockets: { type: 'string' }, duration: { type: 'string' }, algorithm: { type: 'string' },
      'user-prefix': { type: 'string' }, 'password-prefix': { type: 'string' }, expires: { type: 'string' },
    },
  });
  const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const picked: Partial<LoadOptions> = Object.fromEntries(Object.entries({
    host: values.host, port: num(values.port), domain: values.domain, users: num(values.users), window: num(values.window),
    threads: num(values.threads), sockets: num(values.sockets), durationMs: num(values.duration), algorithm: values.algorithm, expires: num(values.expires),
    userPrefix: values['user-prefix'], passwordPrefix: values['password-prefix'],
  }).filter(([, v]) => v !== undefined));
  const result = await runRegisterLoad(picked);
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}
