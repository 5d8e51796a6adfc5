/**
 * One run of benchG711Calls1000: the engine under test in its own process
 * (bench/tools/rtp-engine-server.ts) and the far ends in this one (bench/tools/rtp-peer.ts),
 * 50 packets/s of PCMU each way per call. The engine reports its own CPU, packet rates and
 * event-loop delay over the measurement window; the peer reports loss and round trips.
 * For profiling: RTP_ENGINE_NODE_FLAGS (e.g. "--perf-prof") goes to the engine's node,
 * RTP_BENCH_VERBOSE=1 shows its non-JSON output, RTP_ENGINE_CPU_PROF=<file> writes a V8
 * CPU profile of the measurement window.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Interface } from 'node:readline';
import { RtpPeer } from './rtp-peer.js';
import type { PeerFigures } from './rtp-peer.js';

const SERVER = fileURLToPath(new URL('./rtp-engine-server.ts', import.meta.url));

export interface CallsRun {
  /** Full call endpoints in the engine (paced send + jitter-buffer playout). */
  ivr: number;
  /** Echo sessions (loopback) whose packets the peer times. */
  echo: number;
  /** Plain sockets returning each datagram, no engine (the floor). */
  raw: number;
  engine: Record<string, unknown> & { cpuPercentOfOneCore: number };
  peer: PeerFigures;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function nextLine(lines: Interface, child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`rtp engine server exited (code ${code}) while waiting for ${what}`));
    child.once('exit', onExit);
    // Only JSON lines are ours (node flags such as --trace-gc print to stdout too).
    const onLine = (line: string): void => {
      if (!line.startsWith('{')) {
        if (process.env.RTP_BENCH_VERBOSE) process.stderr.write(`engine: ${line}\n`);
        return;
      }
      lines.off('line', onLine);
      child.off('exit', onExit);
      resolve(line);
    };
    lines.on('line', onLine);
  });
}

export async function runCalls(opts: { ivr: number; echo: number; raw?: number; portBase: number; warmupMs: number; measureMs: number }): Promise<CallsRun> {
  const raw = opts.raw ?? 0;
  const peer = await RtpPeer.open(16);
  const child = spawn(process.execPath, [...(process.env.RTP_ENGINE_NODE_FLAGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', '--conditions=rvoip-source', SERVER, '--ivr', String(opts.ivr), '--echo', String(opts.echo), '--raw', String(raw), '--peer-ports', peer.ports.join(','), '--port-base', String(opts.portBase)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  try {
    const ready = JSON.parse(await nextLine(lines, child, 'its ports')) as { ports: number[] };
    peer.start(ready.ports, opts.ivr);
    await sleep(opts.warmupMs);
    child.stdin!.write('start\n');
    peer.resetWindow();
    await sleep(opts.measureMs);
    const stopped = nextLine(lines, child, 'its figures');
    child.stdin!.write('stop\n');
    const peerFigures = peer.figures();
    const engine = (JSON.parse(await stopped) as { figures: CallsRun['engine'] }).figures;
    return { ivr: opts.ivr, echo: opts.echo, raw, engine, peer: peerFigures };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    if (child.exitCode === null) child.stdin!.write('exit\n');
    await Promise.race([exited, sleep(5000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
    peer.close();
  }
}
