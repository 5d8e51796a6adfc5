/**
 * The main thread's side of `sip.workers`: datagrams a worker forwards are injected into
 * the main stack, its registration changes reach the main registry's listeners, and a
 * worker that crashes after boot is logged at error level while the kernel keeps running
 * (no restart). The worker here is a stand-in script speaking the same protocol.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RvoipError } from '@rvoip/contracts';
import type { RegistrationChange, ResolvedConfig } from '@rvoip/contracts';
import { MemoryStorageAdapter, SipWorkerPool, loadConfig } from '@rvoip/kernel';
import { DefaultRegistryService } from '@rvoip/session';
import type { DatagramSource, SipStackHost } from '@rvoip/sip';
import { memoryLogger } from './helpers/logger.js';

function until(pred: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = (): void => {
      if (pred()) resolve();
      else if (Date.now() - started > 10_000) reject(new Error(`gave up waiting for ${what}`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

describe('kernel/workers: SipWorkerPool (main thread side)', function () {
  this.timeout(30_000);
  let dir: string;
  let config: ResolvedConfig;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rvoip-worker-pool-'));
    const path = join(dir, 'rvoip.config.json');
    writeFileSync(path, JSON.stringify({ sip: { workers: 3, domain: 'example.com' }, storage: { adapter: 'sqlite', options: { path: join(dir, 'x.db') } } }));
    const loaded = await loadConfig({ configPath: path, env: {} });
    expect(loaded.issues).to.deep.equal([]);
    config = loaded.config;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('injects forwarded datagrams, republishes changes, and logs a crashed worker without stopping', async () => {
    const injected: Array<{ text: string; source: DatagramSource }> = [];
    const host = {
      started: true,
      stack: {
        listeningPoints: () => [{ protocol: 'udp', host: '127.0.0.1', port: 5999 }],
        transport: { injectDatagram: (d: Buffer, source: DatagramSource) => injected.push({ text: d.toString('latin1'), source }) > 0 },
      },
    } as unknown as SipStackHost;
    const registry = new DefaultRegistryService(new MemoryStorageAdapter().bindings);
    const changes: RegistrationChange[] = [];
    registry.onChange((c) => changes.push(c));
    const logger = memoryLogger();
    const pool = new SipWorkerPool({
      config, logger, registry, host: () => host, overrides: undefined,
      storage: () => ({ id: 'storage-sqlite', version: '0.1.0', entry: join(dir, 'unused.js'), options: {} }),
      nonceSecret: () => 'secret',
      workerUrl: new URL('./fixtures/workers/crashing-worker.mjs', import.meta.url),
    });
    await pool.onStart();
    await until(() => injected.length === 2 && changes.length === 2, 'two datagrams and two changes');
    expect(injected[0]!.text).to.equal('OPTIONS sip:x SIP/2.0\r\n\r\n');
    expect(injected[0]!.source).to.include({ localPort: 5999, remoteAddress: '127.0.0.1', remotePort: 40000 });
    expect(changes[0]!.binding.expiresAt).to.be.instanceOf(Date);
    expect(changes.map((c) => c.kind)).to.deep.equal(['added', 'added']);

    await until(() => logger.records.filter((r) => r.msg === 'sip worker exited; not restarted').length === 2, 'both workers to exit');
    const crashes = logger.records.filter((r) => r.msg?.startsWith('sip worker crashed') === true);
    expect(crashes.map((r) => r.level)).to.deep.equal(['error', 'error']);
    expect(crashes.map((r) => (r.obj.err as Error).message).sort()).to.deep.equal(['worker 1 boom', 'worker 2 boom']);
    expect(crashes.map((r) => r.bindings.worker).sort()).to.deep.equal([1, 2]);
    expect(pool.stats().map((s) => s.worker)).to.deep.equal([0, 1, 2]);
    await pool.onStop();
  });

  it('fails the start with RVOIP_ERR_SIP_WORKER_START when a worker cannot start', async () => {
    const host = { started: true, stack: { listeningPoints: () => [{ protocol: 'udp', host: '127.0.0.1', port: 5999 }] } } as unknown as SipStackHost;
    const pool = new SipWorkerPool({
      config, logger: memoryLogger(), registry: new DefaultRegistryService(new MemoryStorageAdapter().bindings), host: () => host,
      storage: () => ({ id: 'storage-sqlite', version: '0.1.0', entry: join(dir, 'unused.js'), options: {} }),
      nonceSecret: () => 'secret', overrides: undefined,
      workerUrl: new URL('./fixtures/workers/failing-worker.mjs', import.meta.url),
    });
    let err: unknown;
    await pool.onStart().catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(RvoipError);
    expect((err as RvoipError).code).to.equal('RVOIP_ERR_SIP_WORKER_START');
    expect((err as Error).message).to.match(/^sip worker [12] failed to start: cannot open storage$/);
    await pool.onStop();
  });

  it('does nothing with one worker', async () => {
    const pool = new SipWorkerPool({
      config: { ...config, sip: { ...config.sip, workers: 1 } }, logger: memoryLogger(),
      registry: new DefaultRegistryService(new MemoryStorageAdapter().bindings),
      host: () => { throw new Error('the stack is not read with one worker'); },
      storage: () => undefined, nonceSecret: () => 'secret', overrides: undefined,
    });
    await pool.onStart();
    expect(pool.mainDivert(Buffer.from('REGISTER sip:x SIP/2.0\r\n\r\n'))).to.equal(false);
    expect(pool.stats()).to.deep.equal([{ worker: 0, registers: 1, forwarded: 0 }]);
    await pool.onStop();
  });
});
