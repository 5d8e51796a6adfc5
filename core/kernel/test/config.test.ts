import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ConfigInvalidError, ConfigNotFoundError, Kernel, REDACTED, SEARCH_PLACES, configSchema, loadConfig } from '@rvoip/kernel';
import { memoryLogger } from './helpers/logger.js';
import { tempApp } from './helpers/temp-app.js';
import type { TempApp } from './helpers/temp-app.js';

const sample = {
  sip: { listen: ['udp://127.0.0.1:5070', 'wss://[::1]:8443'], domain: 'pbx.example.com' },
  media: { rtpPorts: [30000, 30100] },
  registrar: { auth: 'digest', users: [{ username: '1001', password: 'one' }] },
  http: { listen: '127.0.0.1:8080' },
  storage: { adapter: 'memory' },
  log: { level: 'warn' },
};

const tsSample = `import { defineConfig } from '@rvoip/sdk';
export default defineConfig(${JSON.stringify(sample)});
`;

const yamlSample = `sip:
  listen: [udp://127.0.0.1:5070, "wss://[::1]:8443"]
  domain: pbx.example.com
media: { rtpPorts: [30000, 30100] }
registrar:
  auth: digest
  users:
    - { username: "1001", password: one }
http: { listen: "127.0.0.1:8080" }
storage: { adapter: memory }
log: { level: warn }
`;

describe('kernel/config', function () {
  this.timeout(60_000);
  let app: TempApp;
  before(async () => {
    app = await tempApp();
  });

  it('treats TS, JSON and YAML configs as equals', async () => {
    const resolved = [];
    for (const [name, file, content] of [
      ['eq-json', 'rvoip.config.json', sample],
      ['eq-yaml', 'rvoip.config.yaml', yamlSample],
      ['eq-ts', 'rvoip.config.ts', tsSample],
      ['eq-rc', '.rvoiprc', yamlSample],
    ] as const) {
      const path = app.writeConfig(name, file, content);
      const loaded = await loadConfig({ cwd: join(path, '..'), env: {} });
      expect(loaded.issues, name).to.deep.equal([]);
      expect(loaded.config.configFile).to.equal(path);
      const { configFile: _f, baseDir: _b, ...rest } = loaded.config;
      resolved.push(rest);
    }
    expect(resolved[1]).to.deep.equal(resolved[0]);
    expect(resolved[2]).to.deep.equal(resolved[0]);
    expect(resolved[3]).to.deep.equal(resolved[0]);
    expect(resolved[0].kernel).to.deep.equal({ hookTimeoutMs: 10000, onPluginBootFailure: 'abort', eventQueueSize: 1000, eventTimeoutMs: 5000 });
  });

  it('searches rvoip.config.* before .rvoiprc*, and --config overrides the search', async () => {
    expect(SEARCH_PLACES.slice(0, 7)).to.deep.equal([
      'rvoip.config.ts', 'rvoip.config.mts', 'rvoip.config.js', 'rvoip.config.mjs', 'rvoip.config.json', 'rvoip.config.yaml', 'rvoip.config.yml',
    ]);
    const json = app.writeConfig('order', 'rvoip.config.json', { sip: { domain: 'from-json' } });
    app.writeConfig('order', '.rvoiprc.yml', 'sip: { domain: from-rc }\n');
    const other = app.writeConfig('order', 'other.yml', 'sip: { domain: from-flag }\n');
    expect((await loadConfig({ cwd: join(json, '..'), env: {} })).config.sip.domain).to.equal('from-json');
    expect((await loadConfig({ cwd: join(json, '..'), configPath: other, env: {} })).config.sip.domain).to.equal('from-flag');
    let missing: unknown;
    await loadConfig({ cwd: join(json, '..'), configPath: 'nope.ts', env: {} }).catch((e: unknown) => (missing = e));
    expect(missing).to.be.instanceOf(ConfigNotFoundError);
  });

  it('applies RVOIP_ environment overrides and resolves env/file secrets, redacted in output', async () => {
    const path = app.writeConfig('env', 'rvoip.config.json', {
      ...sample,
      registrar: { users: [{ username: 'a', password: '${env:PW_A}' }, { username: 'b', password: '${file:./b.secret}' }, { username: 'c', password: 'plain' }] },
      storage: { adapter: 'memory', options: { url: 'postgres://rvoip:${env:DB_PW:-devpw}@db/rvoip' } },
    });
    writeFileSync(join(path, '..', 'b.secret'), 'from-file\n');
    const env = { PW_A: 'from-env', RVOIP_SIP__DOMAIN: 'env.example.com', RVOIP_MEDIA__RTP_PORTS: '[40000,40010]', RVOIP_KERNEL__ON_PLUGIN_BOOT_FAILURE: 'continue' };
    const kernel = await Kernel.create({ coreModules: [], configPath: path, env, logger: memoryLogger() });
    expect(kernel.config.sip.domain).to.equal('env.example.com');
    expect(kernel.config.media.rtpPorts).to.deep.equal([40000, 40010]);
    expect(kernel.config.kernel.onPluginBootFailure).to.equal('continue');
    expect(kernel.config.registrar.users.map((u) => u.password)).to.deep.equal(['from-env', 'from-file', 'plain']);
    expect(kernel.config.storage.options).to.deep.equal({ url: 'postgres://rvoip:devpw@db/rvoip' });
    const printed = kernel.redactedConfig() as { registrar: { users: { password: string }[] }; storage: { options: { url: string } } };
    expect(printed.registrar.users.map((u) => u.password)).to.deep.equal([REDACTED, REDACTED, REDACTED]);
    expect(printed.storage.options.url).to.equal(REDACTED);
    expect(JSON.stringify(printed)).to.not.match(/from-env|from-file|devpw|plain/);
  });

  it('prints every error of a misconfigured rvoip.config.ts with its path, before anything starts', async () => {
    const path = app.writeConfig('bad-ts', 'rvoip.config.ts', `import { defineConfig } from '@rvoip/sdk';
export default defineConfig({
  sip: { listen: ['udp//0.0.0.0:5060' as 'udp://x', 'tcp://0.0.0.0:99999'], domain: 'ok' },
  media: { rtpPorts: [20000, 10000] },
  registrar: { auth: 'basic' as 'digest', users: [{ username: 'a b', password: '\${env:NOT_SET_ANYWHERE}' }] },
  http: { listen: 'localhost' },
  log: { level: 'loud' as 'info' },
  storage: { adapter: 'memory' },
  plugins: [['rvoip-plugin-billing', { ratePerMinute: 'cheap' }]],
});
`);
    let err: unknown;
    await Kernel.create({ coreModules: [], configPath: path, env: {}, logger: memoryLogger() }).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(ConfigInvalidError);
    expect((err as ConfigInvalidError).issues.map((i) => i.path)).to.have.members([
      'registrar.users[0].password', 'sip.listen[0]', 'sip.listen[1]', 'media.rtpPorts', 'registrar.auth',
      'registrar.users[0].username', 'http.listen', 'log.level', 'plugins[0][1].ratePerMinute',
    ]);
    expect((err as Error).message).to.contain('- plugins[0][1].ratePerMinute: got "cheap"; expected a value of type number');
  });

  it("attaches each plugin's option schema to its entry in the editor schema (config schema --config)", async () => {
    const path = app.writeConfig('compose', 'rvoip.config.json', {
      storage: { adapter: 'rvoip-storage-fixture', options: { label: 'a' } },
      plugins: [['rvoip-plugin-billing', { ratePerMinute: 1 }]],
    });
    const kernel = await Kernel.create({ coreModules: [], configPath: path, env: {}, logger: memoryLogger() });
    const validate = new Ajv2020({ strict: false }).compile(kernel.schema() as object);
    const storage = { adapter: 'rvoip-storage-fixture', options: { label: 'a' } };
    expect(validate({ storage, plugins: [['rvoip-plugin-billing', { ratePerMinute: 1 }], 'other'] })).to.equal(true);
    expect(validate({ storage, plugins: [['rvoip-plugin-billing', { ratePerMinute: -1 }]] })).to.equal(false);
    expect(validate({ storage, plugins: [{ use: 'rvoip-plugin-billing', options: { ratePerMinute: 1, currency: 'XXX' } }] })).to.equal(false);
    expect(validate({ storage: { adapter: 'rvoip-storage-fixture', options: {} } })).to.equal(false);
  });

  it('ships the schema file editors use, equal to the schema the kernel validates with', () => {
    const file = JSON.parse(readFileSync(new URL('../schema/rvoip.config.schema.json', import.meta.url), 'utf8')) as unknown;
    expect(file).to.deep.equal(configSchema);
    // A plain draft 2020-12 validator (no rvoip keywords registered) must accept it too.
    const plain = new Ajv2020({ strict: false });
    expect(plain.validate(file as object, sample)).to.equal(true);
  });
});
