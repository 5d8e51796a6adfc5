/**
 * Runs bench/tools/parse-probe.ts against two checkouts, alternating them run by run so
 * that load from others on the shared machine falls on both alike, and prints the
 * medians per message kind:
 *   node --import tsx --conditions=rvoip-source bench/tools/parse-probe-compare.ts \
 *     <base tree root> <new tree root> [runs=5] [iterations=200000] [kinds=all, comma-separated]
 * Allocation is the sum of V8's --trace-gc-nvp `allocated=` over the probe's window
 * (forced GCs at both ends make it exact up to the GC lines' own rounding). CPU ns/op
 * (process.cpuUsage) is the figure to compare on a shared machine; wall time is shown too.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KINDS } from './parse-probe.js';
import type { Kind } from './parse-probe.js';

const PROBE = fileURLToPath(new URL('./parse-probe.ts', import.meta.url));

interface Sample {
  nsPerOp: number;
  cpuNsPerOp: number;
  bytesPerOp: number;
}

function runOnce(root: string, kind: Kind, n: number): Sample {
  const r = spawnSync(process.execPath, ['--expose-gc', '--trace-gc-nvp', '--import', 'tsx', '--conditions=rvoip-source', PROBE, root, kind, String(n)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`parse-probe ${kind} on ${root} failed (${r.status}): ${r.stderr}`);
  let inWindow = false;
  let allocated = 0;
  let result: { nsPerOp: number; cpuNsPerOp: number } | undefined;
  for (const line of r.stdout.split('\n')) {
    if (line === 'WINDOW START') inWindow = true;
    else if (line === 'WINDOW END') inWindow = false;
    else if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7)) as { nsPerOp: number; cpuNsPerOp: number };
    else if (inWindow) {
      const m = / allocated=(\d+)/.exec(line);
      if (m) allocated += Number(m[1]);
    }
  }
  if (result === undefined) throw new Error(`parse-probe ${kind} on ${root} printed no RESULT line`);
  return { nsPerOp: result.nsPerOp, cpuNsPerOp: result.cpuNsPerOp, bytesPerOp: allocated / n };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const [base, next, runsArg, nArg, kindsArg] = process.argv.slice(2);
if (base === undefined || next === undefined) throw new Error('parse-probe-compare: usage <base root> <new root> [runs] [iterations] [kinds]');
const runs = Number(runsArg ?? 5);
const n = Number(nArg ?? 200_000);
const kinds = (kindsArg === undefined ? [...KINDS] : kindsArg.split(',')) as Kind[];
for (const kind of kinds) {
  const samples: Record<'base' | 'next', Sample[]> = { base: [], next: [] };
  for (let i = 0; i < runs; i++) {
    // Alternate which tree goes first, so neither always runs on a warmer machine.
    const order: Array<'base' | 'next'> = i % 2 === 0 ? ['base', 'next'] : ['next', 'base'];
    for (const which of order) samples[which].push(runOnce(which === 'base' ? base : next, kind, n));
  }
  const row = (which: 'base' | 'next'): string => {
    const s = samples[which];
    const cpu = s.map((x) => x.cpuNsPerOp);
    const wall = median(s.map((x) => x.nsPerOp));
    return `cpu ${median(cpu).toFixed(0)} ns/op [${cpu.map((x) => x.toFixed(0)).join(' ')}], wall ${wall.toFixed(0)} ns/op, ${median(s.map((x) => x.bytesPerOp)).toFixed(0)} B/op`;
  };
  console.log(`${kind.padEnd(14)} base ${row('base')}\n${''.padEnd(14)} new  ${row('next')}`);
}
