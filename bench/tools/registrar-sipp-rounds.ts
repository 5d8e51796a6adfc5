/**
 * The SIPp comparison of the registrar bench: Kamailio, `rvoip start` with memory storage
 * and `rvoip start` with SQLite, each driven by the same SIPp scenario
 * (bench/sipp/register-digest.xml, one AOR u0@example.com, MD5), in rounds that alternate
 * the servers (the order rotates each round) because the shared 2-core machine is noisy.
 * Each server is started fresh per round, warmed up with a short SIPp run (discarded,
 * it also lets V8 compile the hot paths), then measured; it is stopped before the next.
 */
import { BenchError, median, round } from './bench-proc.js';
import type { RunningServer } from './bench-servers.js';
import { startKamailio, startRvoip } from './bench-servers.js';
import { runSippRegister } from './sipp-register.js';
import type { SippRegisterOptions, SippRegisterResult } from './sipp-register.js';

export const SIPP_SERVERS = ['kamailio', 'rvoipMemory', 'rvoipSqlite'] as const;
export type SippServer = (typeof SIPP_SERVERS)[number];

export interface SippRoundsOptions {
  readonly rounds: number;
  readonly calls: number;
  readonly warmupCalls: number;
  readonly rate: number;
  readonly limit: number;
  /** Kamailio's htable is filled with u<i>/pw<i> for i < this (the scenario only uses u0). */
  readonly kamailioUsers: number;
}

export interface SippRound {
  readonly round: number;
  /** Authenticated REGISTERs answered 200 per second (CallRate(C) x successful share). */
  readonly registersPerSecond: number;
  /** SIPp's CallRate(C): calls (REGISTER flows) per second, failed ones included. */
  readonly callRate: number;
  readonly successful: number;
  readonly failed: number;
  readonly failureReasons: Readonly<Record<string, number>>;
  readonly firstErrors: readonly string[];
  /** SIPp's DeadCallMsgs(C), by kind: responses for calls already finished or aborted (late retransmissions). */
  readonly deadCallMessages: Readonly<Record<string, number>>;
  readonly retransmissions: number;
  readonly outOfCallMessages: number;
  /** Server CPU (utime + stime, all its processes) per successful flow (REGISTER, 401, REGISTER, 200). */
  readonly serverCpuUsPerRegister: number;
  /** SIPp's own CPU per successful flow: it shares the same 2 cores. */
  readonly sippCpuUsPerRegister: number;
  readonly sippExitCode: number | null;
  /** Set when the first attempt of this round failed (server not up, died, or nothing succeeded) and it was run again. */
  readonly retriedAfter?: string;
}

/** A round that failed twice: reported, left out of the medians. */
export interface FailedRound {
  readonly round: number;
  readonly error: string;
}

export interface SippServerFigures {
  readonly medianRegistersPerSecond: number;
  readonly medianServerCpuUsPerRegister: number;
  /** 1e6 / medianServerCpuUsPerRegister: what one fully available core would sustain. */
  readonly registersPerServerCpuSecond: number;
  readonly medianSippCpuUsPerRegister: number;
  readonly rounds: readonly (SippRound | FailedRound)[];
}

function start(server: SippServer, o: SippRoundsOptions): Promise<RunningServer> {
  if (server === 'kamailio') return startKamailio(o.kamailioUsers);
  return startRvoip({
    domain: 'example.com',
    users: [{ username: 'u0', password: 'pw0' }],
    // SIPp 3.6 answers only MD5, and only the first challenge.
    digestAlgorithms: ['MD5'],
    storage: server === 'rvoipMemory' ? 'memory' : 'sqlite',
  });
}

async function oneRound(server: SippServer, index: number, o: SippRoundsOptions): Promise<SippRound> {
  const running = await start(server, o);
  try {
    const base: Omit<SippRegisterOptions, 'calls'> = {
      port: running.port, rate: o.rate, limit: o.limit, user: 'u0', password: 'pw0', timeoutMs: 600_000,
    };
    if (o.warmupCalls > 0) await runSippRegister({ ...base, calls: o.warmupCalls });
    const before = running.cpuMs();
    const r: SippRegisterResult = await runSippRegister({ ...base, calls: o.calls });
    const serverCpuMs = running.cpuMs() - before;
    const died = running.exited();
    if (died !== undefined) throw new BenchError('RVOIP_ERR_BENCH_SERVER_DIED', `${server} (round ${index}) ${died}`);
    const per = (ms: number): number => (r.successful === 0 ? 0 : round((ms * 1000) / r.successful, 1));
    return {
      round: index,
      registersPerSecond: r.successfulPerSecond,
      callRate: round(r.callRate),
      successful: r.successful,
      failed: r.failed,
      failureReasons: r.failureReasons,
      firstErrors: r.firstErrors,
      deadCallMessages: r.deadCallMessagesByKind,
      retransmissions: r.retransmissions,
      outOfCallMessages: r.outOfCallMessages,
      serverCpuUsPerRegister: per(serverCpuMs),
      sippCpuUsPerRegister: per(r.sippCpuMs),
      sippExitCode: r.exitCode,
    };
  } finally {
    await running.stop();
  }
}

/**
 * One retry per round: the machine is shared, and a server that does not come up, dies,
 * or answers nothing says nothing about its rate. A round that fails twice is reported.
 */
async function roundWithRetry(server: SippServer, index: number, o: SippRoundsOptions): Promise<SippRound | FailedRound> {
  let first: string | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const r = await oneRound(server, index, o);
      if (r.successful > 0) return first === undefined ? r : { ...r, retriedAfter: first };
      first ??= `no successful REGISTER (${JSON.stringify(r.failureReasons)})`;
      if (attempt === 1) return { round: index, error: `no successful REGISTER (${JSON.stringify(r.failureReasons)})` };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (attempt === 1) return { round: index, error: message };
      first = message;
    }
  }
  return { round: index, error: first ?? 'unreachable' };
}

export async function runSippRounds(o: SippRoundsOptions): Promise<Record<SippServer, SippServerFigures>> {
  const rounds: Record<SippServer, (SippRound | FailedRound)[]> = { kamailio: [], rvoipMemory: [], rvoipSqlite: [] };
  for (let i = 0; i < o.rounds; i++) {
    const order = SIPP_SERVERS.map((_, k) => SIPP_SERVERS[(k + i) % SIPP_SERVERS.length]!);
    for (const server of order) rounds[server].push(await roundWithRetry(server, i + 1, o));
  }
  const figures = (all: readonly (SippRound | FailedRound)[]): SippServerFigures => {
    const rs = all.filter((r): r is SippRound => !('error' in r));
    const cpu = median(rs.map((r) => r.serverCpuUsPerRegister));
    return {
      medianRegistersPerSecond: round(median(rs.map((r) => r.registersPerSecond))),
      medianServerCpuUsPerRegister: round(cpu, 1),
      registersPerServerCpuSecond: cpu === 0 ? 0 : round(1e6 / cpu),
      medianSippCpuUsPerRegister: round(median(rs.map((r) => r.sippCpuUsPerRegister)), 1),
      rounds: all,
    };
  };
  return { kamailio: figures(rounds.kamailio), rvoipMemory: figures(rounds.rvoipMemory), rvoipSqlite: figures(rounds.rvoipSqlite) };
}
