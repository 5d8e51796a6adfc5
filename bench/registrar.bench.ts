/**
 * Authenticated REGISTERs per second of rvoip's registrar and of Kamailio 5.6 (usrloc in
 * memory, pv_www_authenticate, bench/kamailio/registrar.cfg), driven in the same run by
 * the same load: bench/tools/register-load.ts (N distinct users, UDP, a window of flows,
 * each 401 answered with digest). Each server runs as its own process(es); besides the
 * wall-clock rate, the server's CPU time per REGISTER is read from /proc, because on a
 * shared 2-core machine wall-clock rates mostly measure the neighbours.
 *
 * rvoip runs once as one thread with the memory store, then once per entry of _WORKERS
 * as that many worker threads sharing the UDP port (SO_REUSEPORT) with bindings in one
 * SQLite file (WAL, synchronous=NORMAL) and a shared nonce secret; see
 * bench/tools/registrar-server.ts for what that mode shares and what it does not.
 *
 * Knobs (env): REGISTRAR_BENCH_USERS (10000), _WINDOW (100), _THREADS (1), _SOCKETS (8,
 * source ports per load thread), _DURATION_MS (10000), _WORKERS ("2"; "" for none).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { runRegisterLoad } from './tools/register-load.js';
import type { LoadOptions, LoadReport } from './tools/register-load.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const KAMAILIO = '/usr/sbin/kamailio';
const CLK_TCK = 100;

interface ServerFigures extends LoadReport {
  /** Server CPU (all its processes/threads) per authenticated REGISTER during the measurement. */
  readonly serverCpuUsPerRegister: number;
  /** 1e6 / serverCpuUsPerRegister: the rate one fully available core would sustain. */
  readonly registersPerServerCpuSecond: number;
  /** serverCpuUs / generatorCpuUs per REGISTER: above 1, the load tool outpaces the server on equal CPU. */
  readonly generatorHeadroom: number;
}

function env(name: string, fallback: number): number {
  const v = process.env[`REGISTRAR_BENCH_${name}`];
  return v === undefined ? fallback : Number(v);
}

/** utime + stime in ms of pid and (optionally) its direct children, from /proc. */
function cpuOf(pid: number, withChildren: boolean): number {
  const ticks = (p: string): number => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(f[11]) + Number(f[12]);
    } catch {
      return 0;
    }
  };
  let total = ticks(String(pid));
  if (withChildren) {
    for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) total += ticks(p);
      } catch {
        // The process ended between readdir and read.
      }
    }
  }
  return (total * 1000) / CLK_TCK;
}

async function measure(pid: number, withChildren: boolean, load: Partial<LoadOptions>): Promise<ServerFigures> {
  // The load tool warms every user up before measuring; CPU is sampled around the measured part only.
  let before = 0;
  const report = await runRegisterLoad(load, 120_000, () => (before = cpuOf(pid, withChildren)));
  const used = cpuOf(pid, withChildren) - before;
  const cpuUs = report.ok === 0 ? 0 : (used * 1000) / report.ok;
  return {
    ...report,
    serverCpuUsPerRegister: Math.round(cpuUs),
    registersPerServerCpuSecond: cpuUs === 0 ? 0 : Math.round(1e6 / cpuUs),
    generatorHeadroom: report.generatorCpuUsPerRegister === 0 ? 0 : Math.round((cpuUs / report.generatorCpuUsPerRegister) * 100) / 100,
  };
}

function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  }));
}

/** Resolves once something answers an OPTIONS on the port (Kamailio says 405, that is enough). */
async function waitForSip(port: number, timeoutMs: number): Promise<void> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const until = Date.now() + timeoutMs;
  try {
    while (Date.now() < until) {
      const answered = new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 300);
        s.once('message', () => {
          clearTimeout(t);
          resolve(true);
        });
      });
      const lp = s.address().port;
      const options = `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bK${Date.now()};rport\r\n` +
        `From: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:127.0.0.1>\r\nCall-ID: probe${Date.now()}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
      s.send(options, port, '127.0.0.1');
      if (await answered) return;
    }
    throw new Error(`nothing answered SIP on 127.0.0.1:${port} within ${timeoutMs} ms`);
  } finally {
    s.close();
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function rvoip(users: number, load: Partial<LoadOptions>, workers = 1): Promise<ServerFigures> {
  const args = [join(HERE, 'tools/registrar-server.ts'), '--users', String(users), '--workers', String(workers)];
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=rvoip-source', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`rvoip registrar exited with ${code} before listening`)));
    });
    const { port } = JSON.parse(line) as { port: number };
    return await measure(child.pid!, false, { ...load, port });
  } finally {
    await stop(child);
  }
}

async function kamailio(users: number, load: Partial<LoadOptions>): Promise<ServerFigures> {
  if (!existsSync(KAMAILIO)) throw new Error(`${KAMAILIO} not found: install the Debian kamailio package`);
  const port = await freeUdpPort();
  const pidfile = join(tmpdir(), `rvoip-bench-kamailio-${process.pid}.pid`);
  const child = spawn(KAMAILIO, [
    '-f', join(HERE, 'kamailio/registrar.cfg'), '-DD', '-E', '-n', '2', '-l', `udp:127.0.0.1:${port}`, '-P', pidfile, '-A', `NUSERS=${users}`,
  ], { stdio: ['ignore', 'ignore', 'ignore'] });
  try {
    await waitForSip(port, 20_000);
    return await measure(child.pid!, true, { ...load, port });
  } finally {
    await stop(child);
    rmSync(pidfile, { force: true });
  }
}

export async function benchRegistrar(): Promise<Record<string, unknown>> {
  const users = env('USERS', 10_000);
  const load: Partial<LoadOptions> = {
    users, window: env('WINDOW', 100), threads: env('THREADS', 1), sockets: env('SOCKETS', 8), durationMs: env('DURATION_MS', 10_000),
    domain: 'bench.rvoip',
  };
  const workerCounts = (process.env.REGISTRAR_BENCH_WORKERS ?? '2').split(',').filter((w) => w.trim() !== '').map(Number);
  const r = await rvoip(users, load);
  const multi: Record<string, ServerFigures> = {};
  for (const n of workerCounts) multi[`workers${n}`] = await rvoip(users, load, n);
  const k = await kamailio(users, load);
  const brief = (f: ServerFigures): Record<string, unknown> => {
    const { options: _options, ...rest } = f;
    return rest;
  };
  return {
    rvoipRegistersPerSecond: r.registersPerSecond,
    kamailioRegistersPerSecond: k.registersPerSecond,
    rvoipRegistersPerServerCpuSecond: r.registersPerServerCpuSecond,
    kamailioRegistersPerServerCpuSecond: k.registersPerServerCpuSecond,
    rvoipToKamailio: k.registersPerSecond === 0 ? null : Math.round((r.registersPerSecond / k.registersPerSecond) * 100) / 100,
    rvoip: brief(r),
    rvoipWorkerThreads: Object.fromEntries(Object.entries(multi).map(([name, f]) => [name, {
      registersPerSecond: f.registersPerSecond, registersPerServerCpuSecond: f.registersPerServerCpuSecond, storage: 'sqlite (WAL, synchronous=NORMAL)', ...brief(f),
    }])),
    kamailio: brief(k),
    load: { ...load, algorithmAnswered: 'first offered (rvoip: SHA-256; Kamailio: MD5)', kamailioProcesses: '-n 2 (UDP workers)' },
    machine: { cpus: cpus().length, loadavgBefore: loadavg().map((x) => Math.round(x * 100) / 100) },
  };
}
