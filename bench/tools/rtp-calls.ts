/**
 * One run of benchG711Calls1000: the engine under test in its own process
 * (bench/tools/rtp-engine-server.ts) and the far ends in this one (bench/tools/rtp-peer.ts),
 * 50 packets/s of PCMU each way per call. The engine reports its own CPU, packet rates and
 * event-loop delay over the measurement window; the peer reports loss and round trips.
 * For profiling: RTP_ENGINE_NODE_FLAGS (e.g. "--perf-prof") goes to the engine's node,
 * RTP_BENCH_VERBOSE=1 shows its non-JSON output (e.g. --trace-gc), RTP_ENGINE_CPU_PROF=<file>
 * writes a V8 CPU profile of the measurement window, RTP_ENGINE_HEAP_PROF=<file> a sampling
 * heap profile (survivors; RTP_ENGINE_HEAP_PROF_ALL=1: all allocations). RTP_BENCH_UDP
 * (dgram|batched|auto, default auto) is the engine's `udp` option in the calls/echo phases.
 */
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createSocket } from 'node:dgram';
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
  /** The floor's sockets: node:dgram or the native batched endpoints. */
  rawTransport: 'dgram' | 'batched';
  engine: Record<string, unknown> & { cpuPercentOfOneCore: number };
  peer: PeerFigures;
  /** CPUs the engine and the peer were pinned to, or false. */
  pinned: { engineCpu: number; peerCpus: string } | false;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The engine's JSON lines, one per request. Node flags such as --trace-gc print to stdout
 * too: those lines are shown with RTP_BENCH_VERBOSE and never taken for a reply.
 */
function jsonLines(lines: Interface): (child: ChildProcess, what: string) => Promise<string> {
  const queued: string[] = [];
  let waiting: ((line: string) => void) | undefined;
  lines.on('line', (line) => {
    if (!line.startsWith('{')) {
      if (process.env.RTP_BENCH_VERBOSE) process.stderr.write(`engine: ${line}\n`);
      return;
    }
    if (waiting) waiting(line);
    else queued.push(line);
  });
  return (child, what) => new Promise((resolve, reject) => {
    const first = queued.shift();
    if (first !== undefined) return resolve(first);
    const onExit = (code: number | null): void => reject(new Error(`rtp engine server exited (code ${code}) while waiting for ${what}`));
    child.once('exit', onExit);
    waiting = (line) => {
      waiting = undefined;
      child.off('exit', onExit);
      resolve(line);
    };
  });
}

/**
 * RTP_BENCH_PIN=1, "on one core" literally: the engine (all its threads) pinned to the
 * last CPU, this process (the peer) to the others, with taskset. Left to itself the
 * scheduler may wake the engine on the CPU of the peer that just sent to it (wake-affine),
 * where it waits for the peer's burst of sends to end. Off by default: on a shared machine
 * a pinned engine cannot move away from a neighbour that lands on its CPU.
 */
function pinning(): { engineCpu: number; peerCpus: string } | undefined {
  const n = availableParallelism();
  if (process.env.RTP_BENCH_PIN !== '1' || n < 2) return undefined;
  if (spawnSync('taskset', ['-a', '-p', '-c', `0-${n - 2}`, String(process.pid)], { stdio: 'ignore' }).status !== 0) return undefined;
  return { engineCpu: n - 1, peerCpus: `0-${n - 2}` };
}

function unpin(): void {
  spawnSync('taskset', ['-a', '-p', '-c', `0-${availableParallelism() - 1}`, String(process.pid)], { stdio: 'ignore' });
}

export async function runCalls(opts: { ivr: number; echo: number; raw?: number; rawTransport?: 'dgram' | 'batched'; udp?: 'dgram' | 'batched' | 'auto'; portBase: number; warmupMs: number; measureMs: number }): Promise<CallsRun> {
  const raw = opts.raw ?? 0;
  const rawTransport = opts.rawTransport ?? 'dgram';
  const peer = await RtpPeer.open(16);
  const pin = pinning();
  const node = [process.execPath, ...(process.env.RTP_ENGINE_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
  const [cmd, ...cmdArgs] = pin ? ['taskset', '-c', String(pin.engineCpu), ...node] : node;
  const child = spawn(cmd!, [...cmdArgs, '--import', 'tsx', '--conditions=rvoip-source', SERVER, '--ivr', String(opts.ivr), '--echo', String(opts.echo), '--raw', String(raw), '--raw-transport', rawTransport, '--udp', opts.udp ?? process.env.RTP_BENCH_UDP ?? 'auto', '--peer-ports', peer.ports.join(','), '--port-base', String(opts.portBase)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const nextLine = jsonLines(createInterface({ input: child.stdout! }));
  try {
    const ready = JSON.parse(await nextLine(child, 'its ports')) as { ports: number[] };
    peer.start(ready.ports, opts.ivr);
    await sleep(opts.warmupMs);
    child.stdin!.write('start\n');
    peer.resetWindow();
    await sleep(opts.measureMs);
    const stopped = nextLine(child, 'its figures');
    child.stdin!.write('stop\n');
    const peerFigures = peer.figures();
    const engine = (JSON.parse(await stopped) as { figures: CallsRun['engine'] }).figures;
    return { ivr: opts.ivr, echo: opts.echo, raw, rawTransport, engine, peer: peerFigures, pinned: pin ? { engineCpu: pin.engineCpu, peerCpus: pin.peerCpus } : false };
  } finally {
    if (pin) unpin();
    const exited = new Promise((r) => child.once('exit', r));
    if (child.exitCode === null) child.stdin!.write('exit\n');
    await Promise.race([exited, sleep(5000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
    peer.close();
  }
}

/**
 * The machine's speed right now, as CPU microseconds per 172-byte datagram sent and
 * received over loopback inside this process (no engine, no second process). The engine's
 * figures move with it from run to run on a shared VM; this is the yardstick to compare
 * runs taken at different times.
 */
export async function loopbackUdpCost(packets = 50_000): Promise<number> {
  const [a, b] = [createSocket('udp4'), createSocket('udp4')];
  try {
    await Promise.all([a, b].map((s) => new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve))));
    await new Promise<void>((resolve) => a.connect(b.address().port, '127.0.0.1', resolve));
    const buf = Buffer.alloc(172);
    let received = 0;
    b.on('message', () => void received++);
    const cpu0 = process.cpuUsage();
    // 20 per event-loop turn: the receiver keeps up, so nothing is dropped.
    for (let sent = 0; sent < packets; sent += 20) {
      for (let i = 0; i < 20; i++) a.send(buf);
      await new Promise((r) => setImmediate(r));
    }
    await sleep(50);
    const cpu = process.cpuUsage(cpu0);
    return Number(((cpu.user + cpu.system) / Math.max(1, received)).toFixed(2));
  } finally {
    a.close();
    b.close();
  }
}
