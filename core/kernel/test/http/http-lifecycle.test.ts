import { expect } from 'chai';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { ContainerModule } from 'inversify';
import { Lifecycle, isRvoipError } from '@rvoip/contracts';
import { HttpService, Kernel, KernelStatus } from '@rvoip/kernel';
import type { KernelStatus as KernelStatusType } from '@rvoip/kernel';
import { memoryLogger } from '../helpers/logger.js';
import type { LogRecord } from '../helpers/logger.js';
import { tempApp } from '../helpers/temp-app.js';
import type { TempApp } from '../helpers/temp-app.js';
import { deferred, request } from './helpers.js';

const sip = { listen: ['udp://127.0.0.1:0'], domain: '127.0.0.1' };

/**
 * A service that depends on 'http' and holds its onStart/onStop until released: the kernel
 * is then observably "starting" (or "stopping") while the HTTP endpoint is up.
 */
function holdingService() {
  const listening = deferred<string>();
  const releaseStart = deferred();
  const stopReached = deferred();
  const releaseStop = deferred();
  const module = new ContainerModule(({ bind }) => {
    bind<Lifecycle>(Lifecycle).toDynamicValue((ctx): Lifecycle => ({
      name: 'holder',
      dependsOn: ['http'],
      onStart: async () => {
        listening.resolve(ctx.get(HttpService).url!);
        await releaseStart.promise;
      },
      onStop: async () => {
        stopReached.resolve();
        await releaseStop.promise;
      },
    })).inSingletonScope();
  });
  return { module, listening: listening.promise, releaseStart, stopReached: stopReached.promise, releaseStop };
}

describe('kernel http: lifecycle, readiness and listen errors', function () {
  this.timeout(60_000);
  let app: TempApp;
  before(async () => {
    app = await tempApp();
  });

  async function kernel(name: string, config: object, records: LogRecord[] = [], modules: ContainerModule[] = []): Promise<Kernel> {
    const configPath = app.writeConfig(`http-${name}`, 'rvoip.config.json', { sip, storage: { adapter: 'memory' }, ...config });
    return Kernel.create({ configPath, env: {}, logger: memoryLogger(records), modules });
  }

  it('/health is 503 starting until every service started, 200 once ready, 503 stopping during shutdown', async () => {
    const holder = holdingService();
    const k = await kernel('readiness', { http: { listen: '127.0.0.1:0' } }, [], [holder.module]);
    const started = k.start();
    try {
      const base = await holder.listening;
      const early = await request(base, 'GET', '/health');
      expect(early.status).to.equal(503);
      expect(early.json()).to.deep.equal({ status: 'starting' });
      expect(k.get<KernelStatusType>(KernelStatus).phase).to.equal('starting');
      holder.releaseStart.resolve();
      await started;
      expect(k.get<KernelStatusType>(KernelStatus).phase).to.equal('started');
      expect((await request(base, 'GET', '/health')).status).to.equal(200);

      const stopped = k.stop();
      await holder.stopReached;
      const late = await request(base, 'GET', '/health');
      expect(late.status).to.equal(503);
      expect(late.json()).to.deep.equal({ status: 'stopping' });
      holder.releaseStop.resolve();
      await stopped;
      expect(k.get<KernelStatusType>(KernelStatus).phase).to.equal('stopped');
      const refused = await request(base, 'GET', '/health').then(() => 'answered', (err: NodeJS.ErrnoException) => err.code);
      expect(refused).to.equal('ECONNREFUSED');
    } finally {
      holder.releaseStart.resolve();
      holder.releaseStop.resolve();
      await k.stop();
    }
  });

  it('starts after the services it reads and stops before them', async () => {
    const records: LogRecord[] = [];
    const k = await kernel('order', { http: { listen: '127.0.0.1:0' } }, records);
    try {
      await k.load();
      const http = k.get(HttpService);
      expect(http.dependsOn).to.have.members(['sip', 'session', 'call-events', 'registrar']);
      const names = (await k.start()).services.map((s) => s.name);
      for (const dep of http.dependsOn) expect(names.indexOf('http'), dep).to.be.greaterThan(names.indexOf(dep));
    } finally {
      await k.stop();
    }
    const stops = records.filter((r) => r.msg === 'lifecycle hook' && r.obj.hook === 'onStop').map((r) => r.obj.service as string);
    for (const dep of ['sip', 'session', 'registrar', 'call-events']) expect(stops.indexOf('http'), dep).to.be.lessThan(stops.indexOf(dep));
  });

  it('without http.listen there is no HTTP server and no ordering constraint', async () => {
    const records: LogRecord[] = [];
    const k = await kernel('disabled', {}, records);
    try {
      await k.start();
      const http = k.get(HttpService);
      expect(http.address).to.equal(undefined);
      expect(http.url).to.equal(undefined);
      expect(http.dependsOn).to.deep.equal([]);
      expect(records.some((r) => r.msg === 'HTTP listening')).to.equal(false);
    } finally {
      await k.stop();
    }
  });

  it('an out-of-range port fails the boot with RVOIP_ERR_HTTP_LISTEN_INVALID naming http.listen', async () => {
    const k = await kernel('bad-port', { http: { listen: '127.0.0.1:70000' } });
    const err = await k.start().then(() => undefined, (e: unknown) => e);
    await k.stop();
    expect(isRvoipError(err, 'RVOIP_ERR_LIFECYCLE_HOOK'), String(err)).to.equal(true);
    const cause = (err as Error).cause;
    expect(isRvoipError(cause, 'RVOIP_ERR_HTTP_LISTEN_INVALID'), String(cause)).to.equal(true);
    expect((err as Error).message).to.contain('http.listen').and.contain('70000');
  });

  it('a port already in use fails the boot with RVOIP_ERR_HTTP_LISTEN_FAILED (EADDRINUSE)', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    const k = await kernel('in-use', { http: { listen: `127.0.0.1:${port}` } });
    try {
      const err = await k.start().then(() => undefined, (e: unknown) => e);
      const cause = (err as Error | undefined)?.cause;
      expect(isRvoipError(cause, 'RVOIP_ERR_HTTP_LISTEN_FAILED'), String(err)).to.equal(true);
      expect((err as Error).message).to.contain(`127.0.0.1:${port}`).and.contain('EADDRINUSE');
    } finally {
      await k.stop();
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
