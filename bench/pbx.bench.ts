/**
 * Calls per second to the PBX's echo service: `rvoip start` runs as its own process with
 * memory storage; SIPp (one process, well under its ~1,000 calls/s ceiling) places
 * INVITE/ACK/RTP/BYE calls to sip:echo at a target rate (scenario and runner shared with
 * test/e2e/pbx-sipp.ts). Each call is answered, gets an anchored media leg that echoes
 * ~`HOLD_MS` of PCMU back, and is torn down with BYE. Besides the wall-clock rate, the
 * server's CPU time per call comes from /proc, since wall-clock on a shared 2-core
 * machine mostly measures the neighbours (and SIPp shares those cores).
 *
 * Knobs (env): PBX_BENCH_CALLS (2000), _RATE (200 calls/s offered), _LIMIT (300 concurrent), _HOLD_MS (500).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runEchoLoad } from '../test/e2e/pbx-sipp.js';
import { freeUdpPort, treeCpuMs as cpuMs } from './tools/bench-proc.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function env(name: string, fallback: number): number {
  const v = process.env[`PBX_BENCH_${name}`];
  return v === undefined ? fallback : Number(v);
}

export async function benchPbxEchoCalls(): Promise<Record<string, unknown>> {
  const calls = env('CALLS', 2000);
  const rate = env('RATE', 200);
  const limit = env('LIMIT', 300);
  const holdMs = env('HOLD_MS', 500);
  const dir = mkdtempSync(join(tmpdir(), 'rvoip-pbx-bench-'));
  const pbxPort = await freeUdpPort();
  const config = join(dir, 'rvoip.config.json');
  writeFileSync(config, JSON.stringify({
    sip: { listen: [`udp://127.0.0.1:${pbxPort}`], domain: 'pbx.bench' },
    media: { rtpPorts: [20000, 29999] },
    storage: { adapter: 'memory' },
    // Info, as deployed: the per-call routing and end lines are part of the cost measured.
    log: { level: 'info' },
  }));
  // The Node the bench runs under (node_modules/.bin's Node 24 through npm), as rvoip's CLI would be.
  const child = spawn(process.execPath, [join(ROOT, 'scripts/rvoip.mjs'), 'start', '--config', config], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  // Only the head of the output matters (the start line); the per-call lines are drained.
  child.stdout.on('data', (d: Buffer) => { if (out.length < 100_000) out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { if (out.length < 100_000) out += d.toString(); });
  try {
    for (let i = 0; i < 600 && !out.includes('pbx routing calls'); i++) {
      if (child.exitCode !== null) throw new Error(`rvoip start exited (${child.exitCode}):\n${out}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!out.includes('pbx routing calls')) throw new Error(`rvoip start never started the PBX:\n${out.slice(-2000)}`);
    const cpuBefore = cpuMs(child.pid!);
    const run = await runEchoLoad({ dir, pbxPort, domain: 'pbx.bench', calls, rate, limit, holdMs, timeoutMs: 300_000 });
    const serverCpuMs = cpuMs(child.pid!) - cpuBefore;
    if (run.code !== 0 && run.successful === 0) throw new Error(`sipp failed (exit ${run.code}): ${run.stderr.slice(-500)}`);
    return {
      calls, offeredRate: rate, concurrentLimit: limit, holdMs,
      successful: run.successful, failed: run.failed,
      callsPerSecond: Math.round((run.successful / run.elapsedMs) * 1000 * 10) / 10,
      serverCpuMsPerCall: Math.round((serverCpuMs / Math.max(1, run.successful)) * 100) / 100,
      callsPerServerCpuSecond: Math.round(run.successful / Math.max(0.001, serverCpuMs / 1000)),
      elapsedMs: run.elapsedMs,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => { if (child.exitCode !== null) resolve(null); else child.once('exit', resolve); });
    rmSync(dir, { recursive: true, force: true });
  }
}
