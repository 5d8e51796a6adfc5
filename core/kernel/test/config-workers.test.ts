import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigInvalidError, Kernel, loadConfig } from '@rvoip/kernel';
import { memoryLogger } from './helpers/logger.js';

describe('kernel/config sip.workers', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rvoip-workers-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function write(name: string, content: object): string {
    const path = join(dir, `${name}.json`);
    writeFileSync(path, JSON.stringify(content));
    return path;
  }

  it('defaults to 1 and accepts memory storage with one worker', async () => {
    const loaded = await loadConfig({ configPath: write('default', { storage: { adapter: 'memory' } }), env: {} });
    expect(loaded.issues).to.deep.equal([]);
    expect(loaded.config.sip.workers).to.equal(1);
    const one = await loadConfig({ configPath: write('one', { sip: { workers: 1 }, storage: { adapter: 'memory' } }), env: {} });
    expect(one.issues).to.deep.equal([]);
  });

  it('rejects memory storage with more than one worker, naming sip.workers and storage.adapter', async () => {
    const path = write('memory', { sip: { workers: 2 }, storage: { adapter: 'memory' } });
    let err: unknown;
    await Kernel.create({ coreModules: [], configPath: path, env: {}, logger: memoryLogger() }).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(ConfigInvalidError);
    const issues = (err as ConfigInvalidError).issues;
    expect(issues.map((i) => i.path)).to.deep.equal(['sip.workers']);
    expect(issues[0]!.message).to.equal(
      'got 2 with storage.adapter "memory"; worker threads need a storage shared across threads (e.g. storage.adapter "sqlite"), or set sip.workers to 1',
    );
    expect((err as Error).message).to.contain('sip.workers').and.to.contain('storage.adapter');
  });

  it('rejects a worker count that is not an integer >= 1', async () => {
    for (const workers of [0, 1.5, 'two']) {
      const loaded = await loadConfig({ configPath: write(`bad-${String(workers)}`, { sip: { workers }, storage: { adapter: 'sqlite' } }), env: {} });
      expect(loaded.issues.map((i) => i.path), String(workers)).to.deep.equal(['sip.workers']);
    }
  });

  it('accepts several workers over sqlite storage', async () => {
    const loaded = await loadConfig({ configPath: write('sqlite', { sip: { workers: 4 }, storage: { adapter: 'sqlite', options: { path: join(dir, 'x.db') } } }), env: {} });
    expect(loaded.issues).to.deep.equal([]);
    expect(loaded.config.sip.workers).to.equal(4);
  });
});
