/**
 * Runs every bench module (bench/*.bench.ts) and prints one JSON document:
 * { "<file>": { "<exported bench function>": <its figures> } }.
 * A module contributes every exported async function whose name starts with "bench".
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type BenchFn = () => Promise<Record<string, unknown>>;

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const results: Record<string, Record<string, unknown>> = {};
let failed = false;
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(mod)) {
    if (!name.startsWith('bench') || typeof fn !== 'function') continue;
    try {
      out[name] = await (fn as BenchFn)();
    } catch (e) {
      failed = true;
      out[name] = { error: e instanceof Error ? e.message : String(e) };
    }
  }
  results[file.replace(/\.bench\.ts$/, '')] = out;
}
process.stdout.write(JSON.stringify({ node: process.version, date: new Date().toISOString(), results }, null, 2) + '\n');
if (failed) process.exitCode = 1;
