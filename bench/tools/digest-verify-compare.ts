/**
 * Runs bench/tools/digest-verify-probe.ts for two auth trees, alternating them run by run
 * so that load from others on the shared machine falls on both alike, and prints medians:
 *   node --import tsx --conditions=rvoip-source bench/tools/digest-verify-compare.ts \
 *     <base tree root> <new tree root> [runs=5] [flows=200000] [modes=flow,challenge,verify] [algorithm=MD5]
 * Both trees' requests are parsed by the base tree's parser, so only the auth code differs.
 * Allocation is the sum of V8's --trace-gc-nvp `allocated=` over the probe's window.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MODES } from './digest-verify-probe.js';
import type { Mode } from './digest-verify-probe.js';

const PROBE = fileURLToPath(new URL('./digest-verify-probe.ts', import.meta.url));

interface Sample {
  nsPerOp: number;
  bytesPerOp: number;
}

function runOnce(root: string, parserRoot: string, mode: Mode, n: number, algorithm: string): Sample {
  const args = ['--expose-gc', '--trace-gc-nvp', '--import', 'tsx', '--conditions=rvoip-source', PROBE, root, parserRoot, mode, String(n), algorithm];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`digest-verify-probe ${mode} on ${root} failed (${r.status}): ${r.stderr}`);
  let inWindow = false;
  let allocated = 0;
  let result: { nsPerOp: number; n: number } | undefined;
  for (const line of r.stdout.split('\n')) {
    if (line === 'WINDOW START') inWindow = true;
    else if (line === 'WINDOW END') inWindow = false;
    else if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7)) as { nsPerOp: number; n: number };
    else if (inWindow) {
      const m = / allocated=(\d+)/.exec(line);
      if (m) allocated += Number(m[1]);
    }
  }
  if (result === undefined) throw new Error(`digest-verify-probe ${mode} on ${root} printed no RESULT line`);
  return { nsPerOp: result.nsPerOp, bytesPerOp: allocated / result.n };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const [base, next, runsArg, nArg, modesArg, algArg] = process.argv.slice(2);
if (base === undefined || next === undefined) throw new Error('digest-verify-compare: usage <base root> <new root> [runs] [flows] [modes] [algorithm]');
const runs = Number(runsArg ?? 5);
const n = Number(nArg ?? 200_000);
const modes = (modesArg === undefined ? [...MODES] : modesArg.split(',')) as Mode[];
const algorithm = algArg ?? 'MD5';
for (const mode of modes) {
  const samples: Record<'base' | 'next', Sample[]> = { base: [], next: [] };
  for (let i = 0; i < runs; i++) {
    // Alternate which tree goes first, so neither always runs on a warmer machine.
    const order: Array<'base' | 'next'> = i % 2 === 0 ? ['base', 'next'] : ['next', 'base'];
    for (const which of order) samples[which].push(runOnce(which === 'base' ? base : next, base, mode, n, algorithm));
  }
  const fmt = (xs: Sample[]): string =>
    `${median(xs.map((s) => s.nsPerOp)).toFixed(0)} ns/op, ${median(xs.map((s) => s.bytesPerOp)).toFixed(0)} B/op` +
    ` (ns: ${xs.map((s) => s.nsPerOp.toFixed(0)).join(' ')})`;
  console.log(`${mode} ${algorithm} x${runs}: base ${fmt(samples.base)}`);
  console.log(`${mode} ${algorithm} x${runs}: new  ${fmt(samples.next)}`);
}
