import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { StorageAdapter } from '@rvoip/sdk';
import { ConfigInvalidError, Kernel } from '@rvoip/kernel';
import type { KernelOptions } from '@rvoip/kernel';
import plugin, { SCHEMA_VERSION, SqliteStorageAdapter } from '@rvoip/storage-sqlite';
// The kernel's own plugin-test helpers: one shared scratch app with @rvoip/sdk linked in.
import { memoryLogger } from '../../../core/kernel/test/helpers/logger.js';
import { repoRoot, tempApp } from '../../../core/kernel/test/helpers/temp-app.js';
import type { TempApp } from '../../../core/kernel/test/helpers/temp-app.js';
import { binding } from './helpers.js';

const run = promisify(execFile);
const packageDir = resolve(repoRoot, 'adapters/storage-sqlite');

/**
 * Packs this package and installs the tarball into `cases/sqlite/` of the kernel's scratch app,
 * with a package.json of its own there: installing it at the app root would prune the fixture
 * tarballs other tests installed with --no-save, and discovery tests there would find it.
 */
async function installPacked(app: TempApp): Promise<string> {
  const dir = join(app.dir, 'cases', 'sqlite');
  mkdirSync(join(dir, 'tarballs'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'rvoip-sqlite-test-app', private: true, type: 'module' }));
  const env = { ...process.env, npm_config_loglevel: 'error', npm_config_update_notifier: 'false' };
  await run('npm', ['pack', '--pack-destination', join(dir, 'tarballs'), packageDir], { cwd: dir, env });
  const [tarball] = readdirSync(join(dir, 'tarballs')).filter((f) => f.endsWith('.tgz'));
  await run('npm', ['install', '--no-audit', '--no-fund', '--offline', '--legacy-peer-deps', '--no-save', join(dir, 'tarballs', tarball)], { cwd: dir, env });
  return dir;
}

/**
 * `coreModules: []`: only the kernel's own module, the storage plugin and its lifecycle; the SIP
 * and session layers are not what these tests are about, and would open sockets.
 */
function kernelOptions(configPath: string): KernelOptions {
  return { configPath, logger: memoryLogger(), coreModules: [] };
}

async function invalid(configPath: string): Promise<ConfigInvalidError> {
  try {
    await Kernel.create(kernelOptions(configPath));
  } catch (err) {
    if (err instanceof ConfigInvalidError) return err;
    throw err;
  }
  throw new Error('expected ConfigInvalidError');
}

describe('storage-sqlite: packed plugin loaded by the kernel', function () {
  this.timeout(180_000);
  let app: TempApp;
  let appDir: string;
  before(async () => {
    app = await tempApp();
    appDir = await installPacked(app);
  });

  it('ships its plugin entry, sources and rvoip field in the tarball, at the manifest version', () => {
    const installed = join(appDir, 'node_modules/@rvoip/storage-sqlite');
    for (const f of ['package.json', 'plugin.js', 'src/index.ts', 'src/plugin.ts']) expect(existsSync(join(installed, f)), f).to.equal(true);
    expect(existsSync(join(installed, 'test'))).to.equal(false);
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string; rvoip: unknown };
    expect(pkg.rvoip).to.deep.equal({ plugin: './plugin.js' });
    expect(plugin).to.include({ id: 'storage-sqlite', version: pkg.version, rvoip: '^0.1.0' });
  });

  it('storage.adapter "sqlite" loads the installed package, applies option defaults, opens and closes the file', async () => {
    const configPath = app.writeConfig('sqlite/defaults', 'rvoip.config.json', { storage: { adapter: 'sqlite' } });
    const kernel = await Kernel.create(kernelOptions(configPath));
    const result = await kernel.start();
    expect(result.ok).to.equal(true);
    expect(result.plugins.map((p) => [p.id, p.source, p.specifier, p.status, p.contributes])).to.deep.equal([
      ['storage-sqlite', 'storage', '@rvoip/storage-sqlite', 'started', ['StorageAdapter']],
    ]);
    const storage = kernel.get<SqliteStorageAdapter>(StorageAdapter);
    // The packed copy in the app's node_modules, not this workspace's sources.
    expect(storage).to.not.be.instanceOf(SqliteStorageAdapter);
    expect(storage.name).to.equal('sqlite');
    expect(storage.path).to.equal(join(appDir, 'defaults/data/rvoip.db'));
    expect(storage.isOpen).to.equal(true);
    expect(storage.pragmas()).to.deep.equal({ journalMode: 'wal', synchronous: 'full', busyTimeoutMs: 5000 });
    await storage.bindings.put(binding('sip:a@x', 'sip:a@1', new Date(Date.now() + 60_000)));
    await kernel.stop();
    expect(storage.isOpen).to.equal(false);
    expect(existsSync(storage.path)).to.equal(true);
  });

  it('passes validated options through: path relative to the config, synchronous, busyTimeoutMs', async () => {
    const configPath = app.writeConfig('sqlite/options', 'rvoip.config.json', {
      storage: { adapter: '@rvoip/storage-sqlite', options: { path: 'state/registrar.db', synchronous: 'normal', busyTimeoutMs: 250 } },
    });
    const kernel = await Kernel.create(kernelOptions(configPath));
    await kernel.start();
    const storage = kernel.get<SqliteStorageAdapter>(StorageAdapter);
    expect(storage.path).to.equal(join(appDir, 'options/state/registrar.db'));
    expect(storage.pragmas()).to.deep.equal({ journalMode: 'wal', synchronous: 'normal', busyTimeoutMs: 250 });
    await kernel.stop();
  });

  it('rejects bad options before start, each with its precise config path', async () => {
    const err = await invalid(app.writeConfig('sqlite/bad', 'rvoip.config.json', {
      storage: { adapter: 'sqlite', options: { path: '', synchronous: 'off', busyTimeoutMs: 1.5, journal: 'delete' } },
    }));
    expect(err.issues.map((i) => `${i.path}: ${i.message}`)).to.have.members([
      'storage.options.path: got ""; expected a non-empty file path or ":memory:"',
      'storage.options.synchronous: got "off"; expected one of "full", "normal", "extra"',
      'storage.options.busyTimeoutMs: got 1.5; expected a whole number of milliseconds from 0 to 600000',
      'storage.options.journal: unknown key; expected one of path, busyTimeoutMs, synchronous',
    ]);
  });

  it('is discovered through its package.json rvoip field (discovery.installed)', async () => {
    const configPath = app.writeConfig('sqlite/discovered', 'rvoip.config.json', { storage: { adapter: 'memory' }, discovery: { installed: true } });
    const kernel = await Kernel.create(kernelOptions(configPath));
    // load() only: with storage.adapter memory the discovered plugin's StorageAdapter would be a
    // second binding (the kernel does not yet skip unselected storage plugins found by discovery).
    const reports = await kernel.load();
    expect(reports.map((r) => [r.id, r.source, r.specifier, r.status, r.contributes])).to.deep.equal([
      ['storage-sqlite', 'installed', '@rvoip/storage-sqlite', 'loaded', ['StorageAdapter']],
    ]);
  });

  it('a database with a newer schema fails the boot with the typed storage error', async () => {
    const configPath = app.writeConfig('sqlite/future', 'rvoip.config.json', { storage: { adapter: 'sqlite', options: { path: 'future.db' } } });
    const raw = new DatabaseSync(join(appDir, 'future/future.db'));
    raw.exec('PRAGMA user_version = 99');
    raw.close();
    const kernel = await Kernel.create(kernelOptions(configPath));
    const err = await kernel.start().then(() => undefined, (e: unknown) => e as Error & { code?: string; cause?: unknown });
    expect(err).to.include({ code: 'RVOIP_ERR_LIFECYCLE_HOOK' });
    expect(err?.cause).to.include({ code: 'RVOIP_ERR_STORAGE_SCHEMA_TOO_NEW', path: join(appDir, 'future/future.db') });
    expect(err?.message).to.equal(
      `storage.onInitialize failed: sqlite storage: open failed on ${join(appDir, 'future/future.db')}: the database has schema version 99, ` +
        `but this @rvoip/storage-sqlite only knows versions up to ${SCHEMA_VERSION}; upgrade @rvoip/storage-sqlite, or point storage.options.path at another file`,
    );
    await kernel.stop();
  });
});
