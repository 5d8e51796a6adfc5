#!/usr/bin/env node
// Runs the rvoip CLI from the repository's TypeScript sources (tsx, with the
// `rvoip-source` export condition so every @rvoip/* package resolves to src/).
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const main = join(root, 'core/kernel/src/cli/main.ts');
// tsx by absolute URL and the repo's tsconfig (decorators) so `rvoip` runs from any folder.
const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/esm/index.mjs')).href;
const child = spawn(process.execPath, ['--import', tsx, '--conditions=rvoip-source', main, ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: process.cwd(),
  env: { ...process.env, TSX_TSCONFIG_PATH: process.env.TSX_TSCONFIG_PATH ?? join(root, 'tsconfig.json') },
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
