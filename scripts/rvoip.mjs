#!/usr/bin/env node
// Runs the rvoip CLI from the repository's TypeScript sources (tsx, with the
// `rvoip-source` export condition so every @rvoip/* package resolves to src/).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const main = join(root, 'core/kernel/src/cli/main.ts');
const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=rvoip-source', main, ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: process.cwd(),
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
