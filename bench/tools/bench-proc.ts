/**
 * Process plumbing shared by the registrar bench: CPU time from /proc, free ports,
 * stopping children for sure, and waiting until a SIP or HTTP server answers.
 * CPU comes from /proc rather than wall clock because the 2-core machine is shared.
 */
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { RvoipError } from '@rvoip/contracts';

/** Linux USER_HZ: /proc/<pid>/stat times are in these ticks. */
const CLK_TCK = 100;

export class BenchError extends RvoipError {}

interface ProcStat {
  readonly ppid: number;
  /** utime + stime in ms. */
  readonly cpuMs: number;
  /** cutime + cstime in ms: CPU of children this process has waited for. */
  readonly childCpuMs: number;
}

export function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return parseProcStat(stat);
  } catch {
    // Gone (or never there).
    return undefined;
  }
}

/** Parses one /proc/<pid>/stat line; the command name may hold spaces, so fields start after the last ')'. */
export function parseProcStat(stat: string): ProcStat {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ms = (i: number): number => (Number(f[i]) * 1000) / CLK_TCK;
  return { ppid: Number(f[1]), cpuMs: ms(11) + ms(12), childCpuMs: ms(13) + ms(14) };
}

/** Live pids whose parent is `pid`. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    if (procStat(Number(d))?.ppid === pid) out.push(Number(d));
  }
  return out;
}

/** utime + stime (ms) of `pid` and every live descendant (Kamailio forks its workers). */
export function treeCpuMs(pid: number): number {
  let total = 0;
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.pop()!;
    total += procStat(p)?.cpuMs ?? 0;
    queue.push(...childPids(p));
  }
  return total;
}

export { freeUdpPort } from '../../test/e2e/helpers.js';

export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Clean-ups for what this bench started and has not stopped yet (processes, process
 * groups as negative ids, temp folders): run if the bench itself is interrupted, so
 * nothing outlives it. SIPp runs in its own group and would not get the terminal's
 * Ctrl-C otherwise.
 */
const pending = new Set<() => void>();
let hooked = false;

function runPending(): void {
  for (const cleanup of pending) {
    try {
      cleanup();
    } catch {
      // Already gone.
    }
  }
  pending.clear();
}

function onInterrupt(cleanup: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.once('exit', runPending);
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        runPending();
        process.exit(130);
      });
    }
  }
  pending.add(cleanup);
  return () => pending.delete(cleanup);
}

/** SIGKILLs the process (or, negative, the process group) if the bench is interrupted; returns the undo. */
export function track(id: number): () => void {
  return onInterrupt(() => process.kill(id, 'SIGKILL'));
}

/** Removes the folder if the bench is interrupted; returns the undo. */
export function trackDir(path: string): () => void {
  return onInterrupt(() => rmSync(path, { recursive: true, force: true }));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** SIGKILLs `pid` if it is still alive and still the process we started (same command line prefix). */
export function killIfAlive(pid: number, cmdlineIncludes: string): void {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmd.includes(cmdlineIncludes)) process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Resolves once something answers an OPTIONS on the port (Kamailio says 405, that is enough). */
export async function waitForSip(port: number, timeoutMs: number): Promise<void> {
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
    throw new BenchError('RVOIP_ERR_BENCH_SIP_NOT_ANSWERING', `nothing answered SIP OPTIONS on 127.0.0.1:${port} within ${timeoutMs} ms`, { port });
  } finally {
    s.close();
  }
}

/** Polls GET /health until 200 (every lifecycle service started), or throws; `alive` stops the wait early. */
export async function waitForHealth(url: string, timeoutMs: number, alive: () => boolean): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!alive()) throw new BenchError('RVOIP_ERR_BENCH_SERVER_EXITED', `server exited before ${url} answered 200`, { url });
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new BenchError('RVOIP_ERR_BENCH_HEALTH_TIMEOUT', `${url} did not answer 200 within ${timeoutMs} ms`, { url });
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
