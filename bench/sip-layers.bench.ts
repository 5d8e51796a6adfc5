/**
 * Where a SIP server's CPU per transaction goes, layer by layer, and how much of it is the
 * garbage collector: bench/tools/sip-layer-probe.ts answers 20,000 OPTIONS at 2,000/s
 * (after 6,000 unmeasured ones, so JIT warm-up is not charged to them) in a fresh process
 * per layer (bare socket, parse, response building, TransportLayer, TransactionLayer,
 * SipStack), with V8's --trace-gc-nvp summed over the load window.
 * Per request: CPU of the main thread and of V8's worker threads (parallel scavenge,
 * concurrent marking, background compilation), bytes allocated, bytes that survived a
 * scavenge (copied or promoted: what makes GC expensive), scavenge and mark-compact
 * pauses. The layers run in alternating rounds and the median counts; the peer is the
 * bare socket (`floor`), which is what any Node.js SIP server pays before doing anything.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PROBE = join(ROOT, 'bench/tools/sip-layer-probe.ts');
const LAYERS = ['floor', 'parse', 'respond', 'transport', 'txlayer', 'stack'] as const;
const REQUESTS = 20_000;
const ROUNDS = 3;

interface LayerRun {
  mainUs: number;
  v8WorkersUs: number;
  totalUs: number;
  allocatedBytes: number;
  survivedBytes: number;
  promotedBytes: number;
  scavengeMs: number;
  markCompactMs: number;
}

function runProbe(layer: string): Promise<LayerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--trace-gc-nvp', '--import', 'tsx', '--conditions=rvoip-source', PROBE, layer, String(REQUESTS)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const result = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || result === undefined) {
        reject(new Error(`sip-layer-probe ${layer} exited ${code} without a result: ${err.slice(-800)}`));
        return;
      }
      const r = JSON.parse(result.slice(7)) as { sent: number; answered: number; usPerRequest: Record<string, number> };
      if (r.answered !== r.sent) {
        reject(new Error(`sip-layer-probe ${layer}: ${r.sent - r.answered} of ${r.sent} requests unanswered`));
        return;
      }
      const window = out.slice(out.indexOf('WINDOW START'), out.indexOf('WINDOW END'));
      const gc = sumGc(window);
      const main = r.usPerRequest.MainThread ?? 0;
      const workers = r.usPerRequest.V8Worker ?? 0;
      const total = Object.values(r.usPerRequest).reduce((a, b) => a + b, 0);
      resolve({
        mainUs: main,
        v8WorkersUs: workers,
        totalUs: Math.round(total * 10) / 10,
        allocatedBytes: Math.round(gc.allocated / REQUESTS),
        survivedBytes: Math.round(gc.survived / REQUESTS),
        promotedBytes: Math.round(gc.promoted / REQUESTS),
        scavengeMs: Math.round(gc.scavengeMs),
        markCompactMs: Math.round(gc.markCompactMs),
      });
    });
  });
}

/** Sums the --trace-gc-nvp lines (key=value pairs; gc=s scavenge, gc=ms mark-compact). */
function sumGc(text: string): { allocated: number; survived: number; promoted: number; scavengeMs: number; markCompactMs: number } {
  const sum = { allocated: 0, survived: 0, promoted: 0, scavengeMs: 0, markCompactMs: 0 };
  for (const line of text.split('\n')) {
    const kind = /\bgc=(\w+)/.exec(line)?.[1];
    if (kind === undefined) continue;
    const num = (k: string): number => Number(new RegExp(`\\b${k}=([0-9.]+)`).exec(line)?.[1] ?? 0);
    const pause = num('pause');
    if (kind === 's') {
      sum.scavengeMs += pause;
      sum.allocated += num('allocated');
      sum.survived += num('new_space_survived');
      sum.promoted += num('promoted');
    } else if (kind === 'ms' || kind === 'mc') {
      sum.markCompactMs += pause;
    }
  }
  return sum;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function benchSipLayers(): Promise<Record<string, unknown>> {
  const runs = new Map<string, LayerRun[]>(LAYERS.map((l) => [l, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const layer of LAYERS) runs.get(layer)!.push(await runProbe(layer));
  }
  const perLayer: Record<string, Record<string, number>> = {};
  for (const [layer, rs] of runs) {
    const m: Record<string, number> = {};
    for (const key of Object.keys(rs[0]!) as (keyof LayerRun)[]) m[key] = median(rs.map((r) => r[key]));
    perLayer[layer] = m;
  }
  const floor = perLayer.floor!;
  const stack = perLayer.stack!;
  return {
    what: `OPTIONS answered in-process, ${REQUESTS} at 2,000/s per layer after 6,000 unmeasured, medians of ${ROUNDS} alternating rounds; per-request figures`,
    units: { mainUs: 'us CPU main thread', v8WorkersUs: 'us CPU V8 worker threads (GC)', allocatedBytes: 'bytes allocated', survivedBytes: 'bytes surviving a scavenge', promotedBytes: 'bytes promoted to old space' },
    layers: perLayer,
    stackOverFloor: {
      cpuUs: Math.round((stack.totalUs! - floor.totalUs!) * 10) / 10,
      v8WorkersUs: Math.round((stack.v8WorkersUs! - floor.v8WorkersUs!) * 10) / 10,
      allocatedBytes: stack.allocatedBytes! - floor.allocatedBytes!,
    },
  };
}
