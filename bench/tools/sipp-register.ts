/**
 * One SIPp 3.6 run of bench/sipp/register-digest.xml against a registrar: REGISTER, 401,
 * REGISTER with digest (MD5, first challenge only: SIPp 3.6 answers nothing else), 200.
 * SIPp cannot take the digest username from an injection file (SIPp issue #640), so every
 * call registers the same AOR (one user, a new Call-ID per call).
 *
 * Figures come from SIPp's own stat CSV (-trace_stat, last line, cumulative columns) and
 * error file (-trace_err); SIPp's CPU comes from the wrapping shell's cutime/cstime, which
 * include the CPU of the SIPp child it waited for (/proc is gone once SIPp exits).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError, freeUdpPort, parseProcStat, track, trackDir } from './bench-proc.js';

export const REGISTER_SCENARIO = join(dirname(fileURLToPath(import.meta.url)), '../sipp/register-digest.xml');

export interface SippRegisterOptions {
  readonly port: number;
  readonly calls: number;
  /** Offered calls/s (-r): set high so the server, not SIPp's pacing, limits the rate. */
  readonly rate: number;
  /** Concurrent calls (-l). */
  readonly limit: number;
  readonly user: string;
  readonly password: string;
  readonly timeoutMs: number;
}

export interface SippRegisterResult {
  /** CallRate(C): calls/s over the whole run as SIPp counts them. */
  readonly callRate: number;
  /** CallRate(C) x the successful share: authenticated REGISTERs answered 200 per second. */
  readonly successfulPerSecond: number;
  readonly successful: number;
  readonly failed: number;
  readonly retransmissions: number;
  readonly outOfCallMessages: number;
  readonly deadCallMessages: number;
  /** Failed calls by SIPp's reason, e.g. "unexpected 401 stale": n, "max UDP retransmissions": n. */
  readonly failureReasons: Readonly<Record<string, number>>;
  /** Late messages for finished or aborted calls, by call state and what was received (not failures). */
  readonly deadCallMessagesByKind: Readonly<Record<string, number>>;
  /** The first lines of the first few SIPp error events. */
  readonly firstErrors: readonly string[];
  /** Wall time of the SIPp process, start-up included. */
  readonly wallMs: number;
  readonly sippCpuMs: number;
  readonly exitCode: number | null;
}

const EVENT_START = /\d{4}-\d{2}-\d{2}\t\d{2}:\d{2}:\d{2}\.\d+\t\d+\.\d+: /;

export interface SippErrorSummary {
  /** Aborted calls by reason, e.g. "unexpected 401 stale": n, "max UDP retransmissions": n. */
  readonly failures: Record<string, number>;
  /** Messages for calls SIPp had already finished ("successful") or aborted: late retransmissions, not failures. */
  readonly deadCallMessages: Record<string, number>;
  readonly first: string[];
}

/** Groups SIPp error-file events by reason; 401 stale=TRUE answers to fresh credentials are told apart. */
export function classifySippErrors(text: string): SippErrorSummary {
  const failures: Record<string, number> = {};
  const deadCallMessages: Record<string, number> = {};
  const first: string[] = [];
  for (const event of text.split(EVENT_START).slice(1)) {
    const head = event.split('\n')[0]!;
    const received = /received '(?:SIP\/2\.0 (\d{3})|(\w+) )/.exec(event);
    const what = received === null ? 'nothing' : (received[1] ?? received[2]!);
    const dead = /^Dead call \S+ \(([^)]*)\)/.exec(head);
    if (dead) {
      const key = `${dead[1]!.replace(/ at index \d+/, '')}: received ${what}`;
      deadCallMessages[key] = (deadCallMessages[key] ?? 0) + 1;
      continue;
    }
    let reason: string;
    if (/unexpected message/i.test(head)) {
      reason = `unexpected ${what}${/stale=TRUE/i.test(event) ? ' stale' : ''}`;
    } else if (/retransmission timeout|max.*retrans/i.test(head)) {
      reason = 'max UDP retransmissions';
    } else if (/timeout/i.test(head)) {
      reason = 'timeout';
    } else {
      reason = head.replace(/'[^']*'/g, "'…'").replace(/\d+/g, 'N').slice(0, 80);
    }
    failures[reason] = (failures[reason] ?? 0) + 1;
    if (first.length < 3) first.push(event.split('\n').slice(0, 2).join(' | ').replace(/\r/g, '').slice(0, 240));
  }
  return { failures, deadCallMessages, first };
}

function lastStatRow(csv: string): Map<string, string> {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new BenchError('RVOIP_ERR_BENCH_SIPP_NO_STATS', 'SIPp wrote no statistics row');
  const header = lines[0]!.split(';');
  const row = lines.at(-1)!.split(';');
  return new Map(header.map((h, i) => [h, row[i] ?? '']));
}

export async function runSippRegister(o: SippRegisterOptions): Promise<SippRegisterResult> {
  const dir = mkdtempSync(join(tmpdir(), 'rvoip-bench-sipp-'));
  const untrackDir = trackDir(dir);
  const stf = join(dir, 'stat.csv');
  const errFile = join(dir, 'errors.log');
  const shellStat = join(dir, 'shell.stat');
  // An explicit local port: with -p 0 SIPp writes 5060 into Via and the responses go astray.
  const localPort = await freeUdpPort();
  const args = [
    `127.0.0.1:${o.port}`, '-sf', REGISTER_SCENARIO, '-i', '127.0.0.1', '-p', String(localPort), '-nostdin',
    '-key', 'user', o.user, '-au', o.user, '-ap', o.password, '-r', String(o.rate), '-l', String(o.limit), '-m', String(o.calls),
    // SIPp's own socket buffer defaults to 64 KiB: a fast server's burst of answers overflows
    // it and comes back as retransmissions that then count against that server.
    '-buff_size', String(4 * 1024 * 1024),
    '-trace_stat', '-stf', stf, '-trace_err', '-error_file', errFile,
  ];
  const script = 'sipp "$@"; rc=$?; cat /proc/$$/stat > "$RVOIP_BENCH_SHELL_STAT"; exit $rc';
  const started = performance.now();
  // Own process group, so a timeout kills the shell and SIPp together.
  const child = spawn('sh', ['-c', script, 'sh', ...args], {
    cwd: dir, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, RVOIP_BENCH_SHELL_STAT: shellStat },
  });
  const untrack = track(-child.pid!);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        process.kill(-child.pid!, 'SIGKILL');
        reject(new BenchError('RVOIP_ERR_BENCH_SIPP_TIMEOUT', `SIPp did not finish ${o.calls} REGISTERs to 127.0.0.1:${o.port} within ${o.timeoutMs} ms`));
      }, o.timeoutMs);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new BenchError('RVOIP_ERR_BENCH_SIPP_SPAWN', `could not run sipp: ${e.message}`, {}, { cause: e }));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    const wallMs = performance.now() - started;
    if (!existsSync(stf)) throw new BenchError('RVOIP_ERR_BENCH_SIPP_FAILED', `SIPp (exit ${exitCode}) wrote no stat file: ${stderr.trim()}`);
    const row = lastStatRow(readFileSync(stf, 'utf8'));
    const num = (k: string): number => {
      const v = row.get(k);
      if (v === undefined || v === '' || Number.isNaN(Number(v))) throw new BenchError('RVOIP_ERR_BENCH_SIPP_STAT_COLUMN', `SIPp stat CSV has no numeric ${k} (got ${v})`);
      return Number(v);
    };
    const successful = num('SuccessfulCall(C)');
    const failed = num('FailedCall(C)');
    const callRate = num('CallRate(C)');
    const errors = existsSync(errFile) ? classifySippErrors(readFileSync(errFile, 'utf8')) : { failures: {}, deadCallMessages: {}, first: [] };
    const sh = existsSync(shellStat) ? parseProcStat(readFileSync(shellStat, 'utf8')) : undefined;
    return {
      callRate,
      successfulPerSecond: successful + failed === 0 ? 0 : Math.round((callRate * successful) / (successful + failed)),
      successful,
      failed,
      retransmissions: num('Retransmissions(C)'),
      outOfCallMessages: num('OutOfCallMsgs(C)'),
      deadCallMessages: num('DeadCallMsgs(C)'),
      failureReasons: errors.failures,
      deadCallMessagesByKind: errors.deadCallMessages,
      firstErrors: errors.first,
      wallMs: Math.round(wallMs),
      sippCpuMs: sh?.childCpuMs ?? 0,
      exitCode,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    untrack();
    rmSync(dir, { recursive: true, force: true });
    untrackDir();
  }
}
