/**
 * The registrars the bench drives, each started as its own process(es) and stopped for
 * sure (also when starting fails):
 * - `rvoip start` exactly as an operator runs it: scripts/rvoip.mjs with a JSON config.
 *   The config lives in a folder inside the repo (data/ is gitignored) because plugins
 *   such as @rvoip/storage-sqlite resolve from node_modules upward of the config.
 *   rvoip.mjs is a wrapper that spawns the real server (`node ... cli/main.ts start`);
 *   CPU is read from that child.
 * - Kamailio 5.6 with bench/kamailio/registrar.cfg (usrloc in memory, -n 2 UDP workers);
 *   CPU is the main process plus its forked children.
 * - bench/tools/registrar-server.ts (the registrar without the kernel, optional worker
 *   threads), kept as a secondary figure.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import {
  BenchError, childPids, freeTcpPort, freeUdpPort, killIfAlive, procStat, sleep, stopChild, track, trackDir, treeCpuMs, waitForHealth, waitForSip,
} from './bench-proc.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const KAMAILIO = '/usr/sbin/kamailio';
const SERVER_ENTRY = 'core/kernel/src/cli/main.ts';

export interface RunningServer {
  readonly port: number;
  /** The process whose CPU is measured (rvoip: the CLI's child Node, not the wrapper). */
  readonly pid: number;
  /** CPU (ms) the server has used so far, all its processes. */
  cpuMs(): number;
  /** undefined while running; else how it ended and the tail of its output (a server dying mid-run must not pass as slow). */
  exited(): string | undefined;
  stop(): Promise<void>;
}

export interface RvoipStartOptions {
  readonly domain: string;
  readonly users: readonly { readonly username: string; readonly password: string }[];
  readonly storage: 'memory' | 'sqlite';
  /** Unset: rvoip's default offer (SHA-256, then MD5). */
  readonly digestAlgorithms?: readonly string[];
}

let instances = 0;

/** Keeps the last `max` characters of a child's output, for error messages. */
function tail(child: ChildProcess, max = 4000): () => string {
  let out = '';
  const add = (d: Buffer): void => {
    out = (out + d.toString()).slice(-max);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => out;
}

const alive = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

function exited(child: ChildProcess, output: () => string): () => string | undefined {
  return () => (alive(child) ? undefined : `exited with ${child.exitCode ?? child.signalCode}: ${output().slice(-1000)}`);
}

/** The CLI's server process under the rvoip.mjs wrapper. */
async function serverChild(wrapper: ChildProcess, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && alive(wrapper)) {
    for (const pid of childPids(wrapper.pid!)) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(SERVER_ENTRY)) return pid;
      } catch {
        // Gone between listing and reading.
      }
    }
    await sleep(20);
  }
  throw new BenchError('RVOIP_ERR_BENCH_NO_SERVER_PROCESS', `scripts/rvoip.mjs (pid ${wrapper.pid}) spawned no ${SERVER_ENTRY} process within ${timeoutMs} ms`);
}

export async function startRvoip(o: RvoipStartOptions): Promise<RunningServer & { readonly config: Record<string, unknown> }> {
  const dir = join(ROOT, 'data', `bench-${process.pid}-${++instances}`);
  mkdirSync(dir, { recursive: true });
  const untrackDir = trackDir(dir);
  const port = await freeUdpPort();
  const httpPort = await freeTcpPort();
  const config = {
    sip: { listen: [`udp://127.0.0.1:${port}`], domain: o.domain },
    // No calls in this bench; the range only has to be valid and unlikely to be in use.
    media: { rtpPorts: [46000, 46099] },
    registrar: { auth: 'digest', ...(o.digestAlgorithms ? { digestAlgorithms: o.digestAlgorithms } : {}), users: o.users },
    http: { listen: `127.0.0.1:${httpPort}` },
    storage: o.storage === 'memory' ? { adapter: 'memory' } : { adapter: 'sqlite', options: { path: join(dir, 'rvoip.db') } },
    log: { level: 'warn' },
  };
  const file = join(dir, 'rvoip.config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  const wrapper = spawn(process.execPath, [join(ROOT, 'scripts/rvoip.mjs'), 'start', '--config', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = tail(wrapper);
  const untrackWrapper = track(wrapper.pid!);
  let serverPid = 0;
  let untrackServer: () => void = () => undefined;
  const stop = async (): Promise<void> => {
    await stopChild(wrapper);
    // The wrapper forwards SIGTERM; should it have died first, the server must not outlive the bench.
    if (serverPid !== 0) killIfAlive(serverPid, SERVER_ENTRY);
    untrackWrapper();
    untrackServer();
    rmSync(dir, { recursive: true, force: true });
    untrackDir();
  };
  try {
    serverPid = await serverChild(wrapper, 30_000);
    untrackServer = track(serverPid);
    await waitForHealth(`http://127.0.0.1:${httpPort}/health`, 60_000, () => alive(wrapper));
  } catch (e) {
    const how = `wrapper exit ${wrapper.exitCode ?? wrapper.signalCode ?? 'none yet'}`;
    await stop();
    throw new BenchError('RVOIP_ERR_BENCH_RVOIP_START', `rvoip start (${o.storage}) did not come up (${how}): ${(e as Error).message}\n${output()}`, {}, { cause: e });
  }
  const pid = serverPid;
  const { users: _users, ...shown } = config.registrar;
  return { port, pid, cpuMs: () => procStat(pid)?.cpuMs ?? 0, exited: exited(wrapper, output), stop, config: { ...config, registrar: { ...shown, users: o.users.length } } };
}

export async function startKamailio(users: number): Promise<RunningServer> {
  if (!existsSync(KAMAILIO)) throw new BenchError('RVOIP_ERR_BENCH_NO_KAMAILIO', `${KAMAILIO} not found: install the Debian kamailio package`);
  const port = await freeUdpPort();
  const pidfile = join(tmpdir(), `rvoip-bench-kamailio-${process.pid}-${++instances}.pid`);
  // Its own process group: an interrupted bench kills Kamailio's forked workers with it.
  const child = spawn(KAMAILIO, [
    '-f', join(ROOT, 'bench/kamailio/registrar.cfg'), '-DD', '-E', '-n', '2', '-l', `udp:127.0.0.1:${port}`, '-P', pidfile, '-A', `NUSERS=${users}`,
  ], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const output = tail(child);
  const untrack = track(-child.pid!);
  const untrackPidfile = trackDir(pidfile);
  const stop = async (): Promise<void> => {
    await stopChild(child);
    untrack();
    rmSync(pidfile, { force: true });
    untrackPidfile();
  };
  try {
    await waitForSip(port, 20_000);
  } catch (e) {
    await stop();
    throw new BenchError('RVOIP_ERR_BENCH_KAMAILIO_START', `kamailio did not come up: ${(e as Error).message}\n${output()}`, {}, { cause: e });
  }
  const pid = child.pid!;
  return { port, pid, cpuMs: () => treeCpuMs(pid), exited: exited(child, output), stop };
}

/** bench/tools/registrar-server.ts: users u<i>/pw<i> at bench.rvoip, `workers` threads (N > 1 means SQLite). */
export async function startStandalone(users: number, workers: number): Promise<RunningServer> {
  const args = [join(ROOT, 'bench/tools/registrar-server.ts'), '--users', String(users), '--workers', String(workers)];
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=rvoip-source', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const untrack = track(child.pid!);
  const stop = async (): Promise<void> => {
    await stopChild(child);
    untrack();
  };
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new BenchError('RVOIP_ERR_BENCH_STANDALONE_EXIT', `registrar-server.ts exited with ${code} before listening`)));
    });
    const { port } = JSON.parse(line) as { port: number };
    const pid = child.pid!;
    return { port, pid, cpuMs: () => procStat(pid)?.cpuMs ?? 0, exited: exited(child, () => ''), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
