import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../../..');
export const fixturesDir = resolve(here, '../fixtures');

export interface TempApp {
  readonly dir: string;
  /** Writes a config file under cases/<name>/ (so each case has its own base dir) and returns its path. */
  writeConfig(name: string, file: string, content: string | object): string;
}

let shared: Promise<TempApp> | undefined;

/**
 * One temporary app for every plugin/CLI test: each fixture plugin is `npm pack`ed and the
 * tarballs installed offline, like a user's `npm install rvoip-plugin-billing`; @rvoip/sdk
 * and @rvoip/contracts are symlinked to the workspace (what the peer dependency resolves to).
 */
export function tempApp(): Promise<TempApp> {
  shared ??= build();
  return shared;
}

async function build(): Promise<TempApp> {
  const dir = mkdtempSync(join(tmpdir(), 'rvoip-app-'));
  // Shared by several test files, so removed when the mocha process ends.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const tarballs = join(dir, 'tarballs');
  mkdirSync(tarballs);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'rvoip-test-app', private: true, type: 'module' }, null, 2));
  const pluginDirs = readdirSync(join(fixturesDir, 'plugins')).map((d) => join(fixturesDir, 'plugins', d));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const quiet = { cwd: dir, env: { ...process.env, npm_config_loglevel: 'error', npm_config_update_notifier: 'false' } };
  await run(npm, ['pack', '--pack-destination', tarballs, ...pluginDirs], quiet);
  const packed = readdirSync(tarballs).filter((f) => f.endsWith('.tgz')).map((f) => join(tarballs, f));
  // --legacy-peer-deps: the @rvoip peers come from the workspace links below, not a registry.
  await run(npm, ['install', '--no-audit', '--no-fund', '--offline', '--legacy-peer-deps', '--no-save', ...packed], quiet);
  mkdirSync(join(dir, 'node_modules/@rvoip'), { recursive: true });
  symlinkSync(join(repoRoot, 'sdk'), join(dir, 'node_modules/@rvoip/sdk'), 'dir');
  symlinkSync(join(repoRoot, 'core/contracts'), join(dir, 'node_modules/@rvoip/contracts'), 'dir');
  cpSync(join(fixturesDir, 'local-plugins'), join(dir, 'local-plugins'), { recursive: true });
  return {
    dir,
    writeConfig(name, file, content) {
      const caseDir = join(dir, 'cases', name);
      mkdirSync(caseDir, { recursive: true });
      const path = join(caseDir, file);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
      return path;
    },
  };
}

