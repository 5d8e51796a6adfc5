/**
 * Authenticated REGISTERs per second of `rvoip start` (run as an operator runs it:
 * scripts/rvoip.mjs start --config <json>, log level warn) and of Kamailio 5.6 (Debian
 * package, bench/kamailio/registrar.cfg: usrloc in memory, digest with pv_www_authenticate,
 * -n 2 UDP workers, debug=1 so no per-REGISTER logs either), in the same run.
 *
 * 1. SIPp (the headline). Both servers are driven by the same SIPp 3.6 scenario,
 *    bench/sipp/register-digest.xml (REGISTER, 401, REGISTER with MD5 digest, 200; SIPp
 *    3.6 answers only MD5 and only the first challenge, so rvoip offers only MD5 here):
 *      sipp 127.0.0.1:<port> -sf register-digest.xml -i 127.0.0.1 -p <free port> -nostdin
 *        -key user u0 -au u0 -ap pw0 -r <RATE> -l <LIMIT> -m <CALLS> -buff_size 4194304
 *        -trace_stat -trace_err
 *    (-buff_size: with SIPp's default 64 KiB socket buffer, a fast server's answers overflow
 *    it and return as retransmissions charged to that server.)
 *    SIPp cannot take the digest username from an injection file, so every REGISTER is for
 *    one AOR (u0@example.com; realm = domain), each with a new Call-ID: the registrar
 *    refreshes one binding. rvoip runs with memory storage (like Kamailio's usrloc in
 *    memory) and with SQLite (its default, bindings durable before the 200 OK). The three
 *    servers run in alternating rounds (each started fresh, warmed up, measured, stopped);
 *    every round is reported and the medians are the figures.
 *    - rvoipRegistersPerSecond / kamailioRegistersPerSecond: median over rounds of
 *      authenticated REGISTERs answered 200 per second = SIPp's CallRate(C) x its
 *      SuccessfulCall(C) share (failed calls, by SIPp's reason, are reported per round);
 *      rvoip's is the memory-storage run.
 *    - rvoipToKamailio (memory) and rvoipSqliteToKamailio: ratios of those medians;
 *      *ToKamailioCpuPerRegister: the same for server CPU per REGISTER (above 1: costlier).
 *    - *CpuUsPerRegister: CPU time (utime + stime from /proc) per successful flow of the
 *      server (rvoip: the CLI's server process under the rvoip.mjs wrapper; Kamailio: main
 *      process and its children) and of SIPp, which shares the same 2 cores.
 * 2. Many users (secondary). bench/tools/register-load.ts, our own load tool: USERS
 *    distinct users u<i>/pw<i> at bench.rvoip, a window of flows in flight, against
 *    `rvoip start` (memory storage, default offer SHA-256 then MD5; the tool answers the
 *    first offered, so rvoip is measured with SHA-256 and Kamailio with MD5) and Kamailio.
 *    Optionally (_WORKERS) bench/tools/registrar-server.ts, the registrar without the
 *    kernel, with N worker threads sharing the port.
 *
 * Knobs (env REGISTRAR_BENCH_*): SIPP_ROUNDS (3), SIPP_CALLS (50000), SIPP_WARMUP (5000),
 * SIPP_RATE (30000), SIPP_LIMIT (2000); USERS (10000), WINDOW (100), THREADS (1), SOCKETS (8),
 * DURATION_MS (10000), WORKERS ("" = skip registrar-server.ts; e.g. "2"), LOAD ("1"; "0" skips part 2).
 */
import { cpus, loadavg } from 'node:os';
import { round } from './tools/bench-proc.js';
import type { RunningServer } from './tools/bench-servers.js';
import { startKamailio, startRvoip, startStandalone } from './tools/bench-servers.js';
import { runRegisterLoad } from './tools/register-load.js';
import type { LoadOptions, LoadReport } from './tools/register-load.js';
import { REGISTER_SCENARIO } from './tools/sipp-register.js';
import { runSippRounds } from './tools/registrar-sipp-rounds.js';

function env(name: string, fallback: number): number {
  const v = process.env[`REGISTRAR_BENCH_${name}`];
  return v === undefined || v === '' ? fallback : Number(v);
}

/** The load tool warms every user up first; server CPU is sampled around the measured part only. */
async function measureLoad(server: RunningServer, load: Partial<LoadOptions>): Promise<Record<string, unknown>> {
  try {
    let before = 0;
    const report: LoadReport = await runRegisterLoad({ ...load, port: server.port }, 120_000, () => (before = server.cpuMs()));
    const cpuUs = report.ok === 0 ? 0 : ((server.cpuMs() - before) * 1000) / report.ok;
    const { options: _options, ...rest } = report;
    return {
      ...rest,
      serverCpuUsPerRegister: round(cpuUs),
      registersPerServerCpuSecond: cpuUs === 0 ? 0 : round(1e6 / cpuUs),
      generatorHeadroom: report.generatorCpuUsPerRegister === 0 ? 0 : round(cpuUs / report.generatorCpuUsPerRegister, 2),
    };
  } finally {
    await server.stop();
  }
}

/** One retry: on the shared machine a server can fail to come up or be stopped by a neighbour's cleanup. */
async function retryOnce(run: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
  try {
    return await run();
  } catch (e) {
    const retriedAfter = e instanceof Error ? e.message : String(e);
    try {
      return { ...(await run()), retriedAfter };
    } catch (again) {
      return { error: again instanceof Error ? again.message : String(again), retriedAfter };
    }
  }
}

async function manyUsers(): Promise<Record<string, unknown>> {
  const users = env('USERS', 10_000);
  const load: Partial<LoadOptions> = {
    users, window: env('WINDOW', 100), threads: env('THREADS', 1), sockets: env('SOCKETS', 8), durationMs: env('DURATION_MS', 10_000),
    domain: 'bench.rvoip',
  };
  const credentials = Array.from({ length: users }, (_, i) => ({ username: `u${i}`, password: `pw${i}` }));
  const rvoip = await retryOnce(async () => measureLoad(await startRvoip({ domain: 'bench.rvoip', users: credentials, storage: 'memory' }), load));
  const kamailio = await retryOnce(async () => measureLoad(await startKamailio(users), load));
  const standalone: Record<string, unknown> = {};
  const workers = (process.env.REGISTRAR_BENCH_WORKERS ?? '').split(',').filter((w) => w.trim() !== '').map(Number);
  for (const n of workers) standalone[`workers${n}`] = await retryOnce(async () => measureLoad(await startStandalone(users, n), load));
  return {
    rvoipStart: { storage: 'memory', ...rvoip },
    kamailio,
    ...(workers.length > 0 ? { registrarServerTs: { note: 'bench/tools/registrar-server.ts: no kernel; N > 1 workers share bindings in SQLite (WAL)', ...standalone } } : {}),
    load: {
      tool: 'bench/tools/register-load.ts', ...load, algorithmAnswered: 'first offered (rvoip start: SHA-256; Kamailio: MD5)', kamailioProcesses: '-n 2 (UDP workers)',
    },
  };
}

export async function benchRegistrar(): Promise<Record<string, unknown>> {
  const loadavgBefore = loadavg().map((x) => round(x, 2));
  const sippOptions = {
    rounds: env('SIPP_ROUNDS', 3), calls: env('SIPP_CALLS', 50_000), warmupCalls: env('SIPP_WARMUP', 5000),
    rate: env('SIPP_RATE', 30_000), limit: env('SIPP_LIMIT', 2000), kamailioUsers: 10,
  };
  const sipp = await runSippRounds(sippOptions);
  const k = sipp.kamailio.medianRegistersPerSecond;
  const ratio = (x: number): number | null => (k === 0 ? null : round(x / k, 2));
  const kCpu = sipp.kamailio.medianServerCpuUsPerRegister;
  const cpuRatio = (x: number): number | null => (kCpu === 0 ? null : round(x / kCpu, 2));
  const many = env('LOAD', 1) === 0 ? undefined : await manyUsers();
  return {
    rvoipRegistersPerSecond: sipp.rvoipMemory.medianRegistersPerSecond,
    kamailioRegistersPerSecond: k,
    rvoipToKamailio: ratio(sipp.rvoipMemory.medianRegistersPerSecond),
    rvoipSqliteRegistersPerSecond: sipp.rvoipSqlite.medianRegistersPerSecond,
    rvoipSqliteToKamailio: ratio(sipp.rvoipSqlite.medianRegistersPerSecond),
    rvoipServerCpuUsPerRegister: sipp.rvoipMemory.medianServerCpuUsPerRegister,
    rvoipSqliteServerCpuUsPerRegister: sipp.rvoipSqlite.medianServerCpuUsPerRegister,
    kamailioServerCpuUsPerRegister: sipp.kamailio.medianServerCpuUsPerRegister,
    rvoipRegistersPerServerCpuSecond: sipp.rvoipMemory.registersPerServerCpuSecond,
    kamailioRegistersPerServerCpuSecond: sipp.kamailio.registersPerServerCpuSecond,
    rvoipToKamailioCpuPerRegister: cpuRatio(sipp.rvoipMemory.medianServerCpuUsPerRegister),
    rvoipSqliteToKamailioCpuPerRegister: cpuRatio(sipp.rvoipSqlite.medianServerCpuUsPerRegister),
    sipp: {
      scenario: REGISTER_SCENARIO.slice(REGISTER_SCENARIO.indexOf('bench/')),
      command: `sipp 127.0.0.1:<port> -sf <scenario> -i 127.0.0.1 -p <free port> -nostdin -key user u0 -au u0 -ap pw0 -r ${sippOptions.rate} -l ${sippOptions.limit} -m ${sippOptions.calls} -trace_stat -stf <csv> -trace_err -error_file <file>`,
      ...sippOptions,
      order: 'servers alternate; round i starts at the i-th of kamailio, rvoipMemory, rvoipSqlite; each is started fresh, warmed up (warmupCalls, discarded), measured, stopped',
      aor: 'every REGISTER is for the one AOR u0@example.com (SIPp 3.6 cannot take the digest username from an injection file), each a new Call-ID',
      digest: 'MD5 (SIPp 3.6 answers only MD5 and only the first challenge; rvoip registrar.digestAlgorithms = ["MD5"])',
      logging: 'rvoip log.level warn; Kamailio debug=1: neither logs per REGISTER',
      kamailioSetup: '-n 2, usrloc db_mode 0 (memory), pv_www_authenticate, qop=auth',
      rvoipStorage: { rvoipMemory: 'memory', rvoipSqlite: 'sqlite (default adapter; binding durable before 200 OK)' },
      ...sipp,
    },
    ...(many === undefined ? {} : { manyUsers: many }),
    machine: { cpus: cpus().length, loadavgBefore, loadavgAfter: loadavg().map((x) => round(x, 2)) },
  };
}
