import { expect } from 'chai';
import { StorageAdapter } from '@rvoip/contracts';
import { ConfigInvalidError, Kernel } from '@rvoip/kernel';
import { memoryLogger } from './helpers/logger.js';
import { tempApp } from './helpers/temp-app.js';
import type { TempApp } from './helpers/temp-app.js';

async function invalid(configPath: string): Promise<ConfigInvalidError> {
  try {
    await Kernel.create({ coreModules: [], configPath, logger: memoryLogger() });
  } catch (err) {
    if (err instanceof ConfigInvalidError) return err;
    throw err;
  }
  throw new Error('expected ConfigInvalidError');
}

describe('kernel/plugins: packed packages in a temporary app', function () {
  this.timeout(120_000);
  let app: TempApp;
  before(async () => {
    app = await tempApp();
  });

  it('discovers installed packages with an rvoip field (opt-in), validates options and lists contributions', async () => {
    const configPath = app.writeConfig('discover', 'rvoip.config.json', {
      storage: { adapter: 'memory' },
      // Listed entries win over discovery: options for a plugin that requires them, and an opt-out.
      plugins: [['rvoip-plugin-billing', { ratePerMinute: 2 }], ['rvoip-storage-fixture', { label: 'x' }], { use: 'rvoip-plugin-wrong-range', enabled: false }],
      discovery: { installed: true, dirs: ['../../local-plugins'] },
      kernel: { onPluginBootFailure: 'continue', hookTimeoutMs: 2000 },
    });
    const kernel = await Kernel.create({ coreModules: [], configPath, logger: memoryLogger() });
    const reports = await kernel.load();
    const byId = new Map(reports.map((r) => [r.id, r]));
    expect([...byId.keys()]).to.include.members(['billing', 'transcription', 'storage-fixture', 'throwing-adapter', 'hangs-start', 'broken-register', 'greeter']);
    expect(byId.get('billing')).to.include({ version: '1.0.0', source: 'config', status: 'loaded' });
    expect(byId.get('billing')?.contributes).to.deep.equal(['CallEventAdapter', 'Lifecycle']);
    expect(byId.get('transcription')).to.include({ source: 'installed', version: '2.1.0' });
    expect(byId.get('transcription')?.contributes).to.deep.equal(['CallEventAdapter', 'StateActionAdapter']);
    expect(byId.get('greeter')).to.include({ source: 'local', status: 'loaded' });
    expect(byId.get('broken-register')).to.include({ status: 'failed', error: 'license key missing' });
    // Disabled: listed, never checked against this kernel's version nor loaded.
    expect(byId.get('wrong-range')).to.include({ status: 'disabled', source: 'config' });
    expect(byId.get('storage-fixture')?.contributes).to.deep.equal(['StorageAdapter']);
  });

  it('refuses a plugin whose rvoip range excludes this kernel', async () => {
    const err = await invalid(app.writeConfig('range', 'rvoip.config.json', { storage: { adapter: 'memory' }, plugins: ['rvoip-plugin-wrong-range'] }));
    expect(err.issues).to.deep.equal([
      { path: 'plugins[0]', message: 'plugin "wrong-range" (rvoip-plugin-wrong-range): requires rvoip ^2.0.0, but this kernel is 0.1.0' },
    ]);
  });

  it('reports every problem at once: bad options, core keys, missing dependency, duplicate id, missing package', async () => {
    const err = await invalid(app.writeConfig('many', 'rvoip.config.json', {
      sip: { domain: '' },
      storage: { adapter: 'rvoip-storage-fixture' },
      plugins: [
        ['rvoip-plugin-billing', { ratePerMinute: -1, currency: 'EURO', colour: 'red' }],
        'rvoip-plugin-transcription',
        { use: '../../node_modules/rvoip-plugin-billing', options: { ratePerMinute: 1 } },
        'rvoip-plugin-nonexistent',
      ],
    }));
    const lines = err.issues.map((i) => `${i.path}: ${i.message}`);
    expect(lines).to.include.members([
      'sip.domain: got ""; expected a string of at least 1 characters',
      'storage.options.label: is required but missing',
      'plugins[0][1].ratePerMinute: got -1; expected a number >= 0',
      'plugins[0][1].currency: got "EURO"; expected one of "EUR", "USD", "GBP"',
      'plugins[0][1].colour: unknown key; expected one of ratePerMinute, currency',
      'plugins[2]: duplicate plugin id "billing" (../../node_modules/rvoip-plugin-billing); plugins[0] (rvoip-plugin-billing) already uses it',
    ]);
    expect(lines.some((l) => l.startsWith('plugins[3]: cannot load plugin "rvoip-plugin-nonexistent": package "rvoip-plugin-nonexistent" is not installed'))).to.equal(true);
    expect(err.message).to.contain('config invalid (');
  });

  it('names the missing dependency', async () => {
    const err = await invalid(app.writeConfig('deps', 'rvoip.config.yaml', 'storage:\n  adapter: memory\nplugins:\n  - rvoip-plugin-transcription\n'));
    expect(err.issues).to.deep.equal([
      { path: 'plugins[0]', message: 'plugin "transcription" depends on "billing", which is not in the plugin list' },
    ]);
  });

  it('loads a storage plugin from storage.adapter, with its options, and opens/closes it with the kernel', async () => {
    const configPath = app.writeConfig('storage', 'rvoip.config.json', {
      storage: { adapter: 'rvoip-storage-fixture', options: { label: 'shared' } },
      plugins: [['rvoip-plugin-billing', { ratePerMinute: 1 }]],
    });
    const kernel = await Kernel.create({ coreModules: [], configPath, logger: memoryLogger() });
    const result = await kernel.start();
    const storage = kernel.get<StorageAdapter & { opened: boolean; closed: boolean; label: string }>(StorageAdapter);
    expect(storage).to.include({ name: 'fixture', label: 'shared', opened: true, closed: false });
    expect(result.ok).to.equal(true);
    expect(result.plugins.map((p) => [p.id, p.source, p.status])).to.deep.equal([
      ['billing', 'config', 'started'],
      ['storage-fixture', 'storage', 'started'],
    ]);
    // storage opens before billing (billing's Lifecycle dependsOn 'storage') and the call-event
    // dispatcher (whose CDR writer needs it), and closes after both.
    expect(result.services.map((s) => s.name)).to.deep.equal(['storage', 'call-events', 'billing']);
    await kernel.stop();
    await kernel.stop();
    expect(storage.closed).to.equal(true);
  });

  it('applies option defaults from the plugin schema before the plugin sees them; loads a plugin file by relative path', async () => {
    const configPath = app.writeConfig('defaults', 'rvoip.config.json', {
      storage: { adapter: 'memory' },
      plugins: [{ use: 'rvoip-plugin-billing', options: { ratePerMinute: 3 } }, '../../local-plugins/greeter/index.js'],
    });
    const logger = memoryLogger();
    const kernel = await Kernel.create({ coreModules: [], configPath, logger });
    const result = await kernel.start();
    expect(result.plugins.map((p) => [p.id, p.source, p.status])).to.deep.equal([['billing', 'config', 'started'], ['greeter', 'config', 'started']]);
    const ready = logger.records.find((r) => r.msg === 'billing ready');
    expect(ready?.bindings).to.deep.equal({ plugin: 'billing' });
    expect(ready?.obj).to.deep.equal({ currency: 'EUR' });
    await kernel.stop();
  });
});
