import { expect } from 'chai';
import { ContainerModule } from 'inversify';
import { CallEventAdapter, CallEventSink } from '@rvoip/contracts';
import type { CallEvent, ContactBinding } from '@rvoip/contracts';
import { CallEventDispatcher, Kernel, MemoryStorageAdapter } from '@rvoip/kernel';
import { memoryLogger } from './helpers/logger.js';
import { tempApp } from './helpers/temp-app.js';

describe('kernel/MemoryStorageAdapter', () => {
  let now = 1_000_000;
  const storage = new MemoryStorageAdapter(() => now);

  it('expires key/value entries by TTL and keeps counters atomic', async () => {
    await storage.kv.set('presence:sip:1001@pbx', { status: 'busy' }, { ttlMs: 1000 });
    expect(await storage.kv.setIfAbsent('park:701', 'call-1', { ttlMs: 5000 })).to.equal(true);
    expect(await storage.kv.setIfAbsent('park:701', 'call-2')).to.equal(false);
    expect(await storage.kv.increment('rate:10.0.0.1', 1, { ttlMs: 1000 })).to.equal(1);
    expect(await storage.kv.increment('rate:10.0.0.1')).to.equal(2);
    now += 1000;
    expect(await storage.kv.get('presence:sip:1001@pbx')).to.equal(undefined);
    expect(await storage.kv.get('rate:10.0.0.1')).to.equal(undefined);
    expect(await storage.kv.keys('park:')).to.deep.equal(['park:701']);
  });

  it('orders bindings by q and purges expired ones', async () => {
    const base = { aor: 'sip:1001@pbx', callId: 'x', cseq: 1, source: { transport: 'udp', address: '127.0.0.1', port: 5062 } } as const;
    const b = (contact: string, q: number, ttl: number): ContactBinding => ({ ...base, contact, q, expiresAt: new Date(now + ttl) });
    await storage.bindings.put(b('sip:1001@10.0.0.1', 0.5, 60_000));
    await storage.bindings.put(b('sip:1001@10.0.0.2', 1, 60_000));
    await storage.bindings.put(b('sip:1001@10.0.0.3', 0.9, 10));
    expect((await storage.bindings.get('sip:1001@pbx')).map((x) => x.contact)).to.deep.equal(['sip:1001@10.0.0.2', 'sip:1001@10.0.0.3', 'sip:1001@10.0.0.1']);
    now += 10;
    expect((await storage.bindings.purgeExpired()).map((x) => x.contact)).to.deep.equal(['sip:1001@10.0.0.3']);
    expect(await storage.bindings.remove('sip:1001@pbx')).to.equal(2);
  });
});

describe('kernel/CallEventDispatcher', function () {
  this.timeout(60_000);

  it('bounds each adapter queue: overflow is dropped and counted, other adapters unaffected', async () => {
    const app = await tempApp();
    const configPath = app.writeConfig('queue', 'rvoip.config.json', { storage: { adapter: 'memory' }, kernel: { eventQueueSize: 2, eventTimeoutMs: 100 } });
    const got: string[] = [];
    const adapters = new ContainerModule(({ bind }) => {
      bind<CallEventAdapter>(CallEventAdapter).toConstantValue({ name: 'stuck', onStateChange: () => new Promise(() => undefined) });
      bind<CallEventAdapter>(CallEventAdapter).toConstantValue({ name: 'ok', onStateChange: (e) => void got.push(e.to) });
    });
    const kernel = await Kernel.create({ coreModules: [], configPath, env: {}, logger: memoryLogger(), modules: [adapters] });
    await kernel.start();
    const sink = kernel.get<CallEventSink>(CallEventSink);
    const at = new Date();
    const states = ['ringing', 'active', 'on-hold', 'active', 'terminated'] as const;
    states.forEach((to, i) => sink.publish({ type: 'state-changed', sessionId: 's', at, from: i ? states[i - 1] : 'idle', to } satisfies CallEvent));
    await kernel.get<CallEventDispatcher>(CallEventDispatcher).whenIdle();
    const stats = kernel.get<CallEventDispatcher>(CallEventDispatcher).stats();
    expect(stats.find((s) => s.adapter === 'stuck')).to.deep.include({ pluginId: 'core', delivered: 0, timedOut: 2, dropped: 3 });
    expect(stats.find((s) => s.adapter === 'ok')).to.deep.include({ delivered: 2, dropped: 3 });
    expect(got).to.deep.equal(['ringing', 'active']);
    await kernel.stop();
  });
});
