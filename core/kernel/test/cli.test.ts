import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, tempApp } from './helpers/temp-app.js';
import type { TempApp } from './helpers/temp-app.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Ambient RVOIP_* variables would act as config overrides; the CLI gets a clean slate. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('RVOIP_')));
}

function rvoip(args: string[], onStdout?: (all: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts/rvoip.mjs'), ...args], { cwd: repoRoot, env: cleanEnv() });
    const run: Run = { code: null, stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => {
      run.stdout += d.toString();
      onStdout?.(run.stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => (run.stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ...run, code }));
  });
}

describe('kernel/cli: rvoip', function () {
  this.timeout(120_000);
  let app: TempApp;
  before(async () => {
    app = await tempApp();
  });

  it('config check: prints every error of a bad rvoip.config.ts with its path and exits 2', async () => {
    const bad = app.writeConfig('cli-bad', 'rvoip.config.ts', `import { defineConfig } from '@rvoip/sdk';
export default defineConfig({
  sip: { listen: ['sctp://0.0.0.0:5060' as 'udp://x'], domain: '' },
  media: { rtpPorts: [5, 4] },
  registrar: { users: [{ username: 'alice' } as { username: string; password: string }] },
  storage: { adapter: 'memory' },
  plugins: [['rvoip-plugin-billing', { ratePerMinute: -2 }], 'rvoip-plugin-wrong-range'],
});
`);
    const run = await rvoip(['config', 'check', '--config', bad]);
    expect(run.code).to.equal(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).to.equal(`rvoip: config invalid (6 errors) in ${bad}`);
    for (const path of ['sip.listen[0]', 'sip.domain', 'media.rtpPorts', 'registrar.users[0].password', 'plugins[0][1].ratePerMinute', 'plugins[1]']) {
      expect(lines.some((l) => l.startsWith(`  - ${path}: `)), path).to.equal(true);
    }
    expect(run.stderr).to.contain('requires rvoip ^2.0.0, but this kernel is 0.1.0');
  });

  it('config check passes and config print shows the resolved config with secrets redacted', async () => {
    const good = app.writeConfig('cli-good', 'rvoip.config.yaml', 'registrar:\n  users:\n    - { username: "1001", password: hunter2 }\nstorage: { adapter: memory }\n');
    const check = await rvoip(['config', 'check', '--config', good]);
    expect([check.code, check.stdout.trim()]).to.deep.equal([0, `config ok: ${good} (0 plugin entries)`]);
    const print = await rvoip(['config', 'print', '--config', good]);
    expect(print.code).to.equal(0);
    const printed = JSON.parse(print.stdout) as { registrar: { users: { username: string; password: string }[] }; sip: { listen: string[] } };
    expect(printed.registrar.users).to.deep.equal([{ username: '1001', password: '[redacted]' }]);
    expect(printed.sip.listen).to.deep.equal(['udp://0.0.0.0:5060']);
    expect(print.stdout).to.not.contain('hunter2');
  });

  it('plugins list: id, version, source, contributions and status of each plugin', async () => {
    const config = app.writeConfig('cli-list', 'rvoip.config.json', {
      storage: { adapter: 'rvoip-storage-fixture', options: { label: 'cli' } },
      plugins: [['rvoip-plugin-billing', { ratePerMinute: 1 }], 'rvoip-plugin-transcription', { use: 'rvoip-plugin-broken-register', onBootFailure: 'abort' }],
      discovery: { dirs: ['../../local-plugins'] },
    });
    const run = await rvoip(['plugins', 'list', '--config', config]);
    const rows = run.stdout.trim().split('\n').map((l) => l.split(/\s{2,}/));
    expect(rows).to.deep.equal([
      ['ID', 'VERSION', 'SOURCE', 'STATUS', 'CONTRIBUTES', 'ERROR'],
      ['billing', '1.0.0', 'config', 'loaded', 'CallEventAdapter, Lifecycle'],
      ['transcription', '2.1.0', 'config', 'loaded', 'CallEventAdapter, StateActionAdapter'],
      ['broken-register', '1.0.0', 'config', 'failed', '-', 'license key missing'],
      ['storage-fixture', '0.3.0', 'storage', 'loaded', 'StorageAdapter'],
      ['greeter', '0.0.1', 'local', 'loaded', 'Lifecycle'],
    ]);
    expect(run.code).to.equal(1);
    expect(run.stderr.trim()).to.equal('rvoip: 1 plugin failed to load: broken-register');
  });

  it('start runs until SIGTERM, stops in order and exits 0', async () => {
    const config = app.writeConfig('cli-start', 'rvoip.config.json', {
      sip: { listen: ['udp://127.0.0.1:0'] },
      storage: { adapter: 'memory' },
      plugins: [['rvoip-plugin-billing', { ratePerMinute: 1 }]],
      log: { level: 'info' },
    });
    let signalled = false;
    const run = await rvoip(['start', '--config', config], (out, child) => {
      if (!signalled && out.includes('"msg":"rvoip ready"')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    expect(run.code, run.stderr).to.equal(0);
    const messages = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; plugin?: string });
    const milestones = ['billing ready', 'rvoip ready', 'stopping', 'rvoip stopped'];
    expect(messages.map((m) => m.msg).filter((m) => milestones.includes(m))).to.deep.equal(milestones);
    expect(messages.map((m) => m.msg)).to.include('SIP listening');
    expect(messages.find((m) => m.msg === 'billing ready')?.plugin).to.equal('billing');
  });

  it('start fails before anything starts with a one-line reason and a non-zero exit', async () => {
    const config = app.writeConfig('cli-start-bad', 'rvoip.config.json', { storage: { adapter: 'memory' }, plugins: ['rvoip-plugin-broken-register'] });
    const run = await rvoip(['start', '--config', config]);
    expect(run.code).to.equal(1);
    expect(run.stderr.trim()).to.equal('rvoip: plugin "broken-register" failed during register: license key missing [RVOIP_ERR_PLUGIN_BOOT]');
  });
});
