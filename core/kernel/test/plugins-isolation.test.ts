import { expect } from 'chai';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { CallEventSink, ContainerModule, StateTable, StorageAdapter, isRvoipError } from '@rvoip/sdk';
import type { CallEvent, CdrRecord } from '@rvoip/sdk';
import { CallEventDispatcher, Kernel, LifecycleTimeoutError, PluginBootError, StateTableError } from '@rvoip/kernel';
import { memoryLogger } from './helpers/logger.js';
import { tempApp } from './helpers/temp-app.js';
import type { TempApp } from './helpers/temp-app.js';

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

const at = new Date('2026-01-01T10:00:00Z');
const cdr: CdrRecord = {
  id: 'cdr-1', sessionId: 's1', callId: 'c1@host', direction: 'inbound', from: 'sip:1001@pbx', to: 'sip:1002@pbx',
  startedAt: at, answeredAt: at, endedAt: new Date(at.getTime() + 120_000), durationMs: 120_000, billableMs: 120_000, endReason: 'normal',
};

describe('kernel/plugins: boot failure policy and isolation', function () {
  this.timeout(120_000);
  let app: TempApp;
  before(async () => {
    app = await tempApp();
  });

  const config = (name: string, plugins: unknown[], kernel: object = {}): string =>
    app.writeConfig(name, 'rvoip.config.json', { storage: { adapter: 'memory' }, plugins, kernel: { hookTimeoutMs: 500, ...kernel } });

  it('aborts when a plugin throws in register (policy abort), naming plugin and cause', async () => {
    const kernel = await Kernel.create({ coreModules: [], configPath: config('reg-abort', ['rvoip-plugin-broken-register']), logger: memoryLogger() });
    const err = await rejection(kernel.start());
    expect(err).to.be.instanceOf(PluginBootError);
    expect(err.message).to.equal('plugin "broken-register" failed during register: license key missing');
  });

  it('continues past a plugin that throws in register (policy continue) and reports each outcome', async () => {
    const logger = memoryLogger();
    const configPath = config('reg-continue', [
      { use: 'rvoip-plugin-broken-register', onBootFailure: 'continue' },
      ['rvoip-plugin-billing', { ratePerMinute: 1 }],
    ]);
    const kernel = await Kernel.create({ coreModules: [], configPath, logger });
    const result = await kernel.start();
    expect(result.ok).to.equal(false);
    expect(result.plugins.map((p) => [p.id, p.status, p.error])).to.deep.equal([
      ['broken-register', 'failed', 'license key missing'],
      ['billing', 'started', undefined],
    ]);
    expect(logger.records.some((r) => r.bindings.plugin === 'broken-register' && r.level === 'error')).to.equal(true);
    await kernel.stop();
  });

  it('times out a plugin that hangs in start: abort stops what started and names service and hook', async () => {
    const kernel = await Kernel.create({ coreModules: [], configPath: config('hang-abort', ['rvoip-plugin-hangs-start']), logger: memoryLogger() });
    const err = await rejection(kernel.start());
    expect(err).to.be.instanceOf(PluginBootError);
    expect(err.message).to.equal('plugin "hangs-start" failed during start: hangs-start-worker.onStart did not settle within 500 ms');
    const cause = (err as PluginBootError).cause;
    expect(cause).to.be.instanceOf(LifecycleTimeoutError);
    expect((cause as LifecycleTimeoutError).details).to.deep.equal({ service: 'hangs-start-worker', hook: 'onStart', timeoutMs: 500 });
    const fixture = (await import(pathToFileURL(join(app.dir, 'node_modules/rvoip-plugin-hangs-start/index.js')).href)) as { state: { stopped: boolean } };
    expect(fixture.state.stopped).to.equal(true);
  });

  it('isolates a plugin that hangs in start under policy continue', async () => {
    const configPath = config('hang-continue', [
      ['rvoip-plugin-billing', { ratePerMinute: 1 }],
      { use: 'rvoip-plugin-hangs-start', onBootFailure: 'continue' },
    ]);
    const kernel = await Kernel.create({ coreModules: [], configPath, logger: memoryLogger() });
    const result = await kernel.start();
    expect(result.plugins.map((p) => [p.id, p.status])).to.deep.equal([['billing', 'started'], ['hangs-start', 'failed']]);
    expect(result.plugins[1].error).to.equal('hangs-start-worker.onStart did not settle within 500 ms');
    const service = result.services.find((s) => s.name === 'hangs-start-worker');
    expect(service).to.include({ owner: 'hangs-start', status: 'failed' });

    kernel.get<CallEventSink>(CallEventSink).publish({ type: 'call-ended', sessionId: 's9', at, cdr: { ...cdr, sessionId: 's9' } });
    await kernel.get<CallEventDispatcher>(CallEventDispatcher).whenIdle();
    expect(await kernel.get<StorageAdapter>(StorageAdapter).kv.get('billing:s9')).to.deep.equal({ cost: 2, currency: 'EUR' });
    const fixture = (await import(pathToFileURL(join(app.dir, 'node_modules/rvoip-plugin-hangs-start/index.js')).href)) as { state: { callsSeen: number } };
    expect(fixture.state.callsSeen).to.equal(0);
    await kernel.stop();
  });

  it('keeps a throwing, rejecting and hanging CallEventAdapter away from the publisher and other adapters', async () => {
    const logger = memoryLogger();
    const configPath = config('events', [
      'rvoip-plugin-throwing-adapter',
      ['rvoip-plugin-billing', { ratePerMinute: 0.5, currency: 'USD' }],
      'rvoip-plugin-transcription',
    ], { eventTimeoutMs: 300 });
    const kernel = await Kernel.create({ coreModules: [], configPath, logger });
    await kernel.start();
    const sink = kernel.get<CallEventSink>(CallEventSink);
    const events: CallEvent[] = [
      { type: 'state-changed', sessionId: 's1', at, from: 'ringing', to: 'active' },
      { type: 'dtmf', sessionId: 's1', at, digit: '5', durationMs: 100, method: 'rfc4733' },
      { type: 'media-stats', sessionId: 's1', at, stats: { packetsSent: 10, packetsReceived: 10, packetsLost: 0, jitterMs: 1 } },
      { type: 'call-ended', sessionId: 's1', at, cdr },
    ];
    // publish is synchronous and returns before any adapter code runs.
    for (const e of events) expect(sink.publish(e)).to.equal(undefined);
    await kernel.get<CallEventDispatcher>(CallEventDispatcher).whenIdle();

    const storage = kernel.get<StorageAdapter>(StorageAdapter);
    expect(await storage.kv.get('billing:s1')).to.deep.equal({ cost: 1, currency: 'USD' });
    const transcription = (await import(pathToFileURL(join(app.dir, 'node_modules/rvoip-plugin-transcription/index.js')).href)) as { seen: string[] };
    expect(transcription.seen).to.deep.equal(['5']);

    const stats = kernel.get<CallEventDispatcher>(CallEventDispatcher).stats();
    expect(stats.find((s) => s.adapter === 'bad-adapter')).to.deep.equal({
      adapter: 'bad-adapter', pluginId: 'throwing-adapter', delivered: 0, failed: 2, timedOut: 1, dropped: 0, queued: 0,
    });
    expect(stats.find((s) => s.adapter === 'billing-cdr')).to.include({ pluginId: 'billing', delivered: 1, failed: 0 });
    const failures = logger.records.filter((r) => r.obj.plugin === 'throwing-adapter');
    expect(failures.map((r) => [r.msg, r.obj.event])).to.deep.equal([
      ['call event adapter failed', 'state-changed'],
      ['call event adapter failed', 'dtmf'],
      ['call event adapter timed out', 'media-stats'],
    ]);
    await kernel.stop();
  });

  it('checks the state table against registered StateActionAdapters before start', async () => {
    const table = (actions: string[]): ContainerModule =>
      new ContainerModule(({ bind }) => {
        bind<StateTable>(StateTable).toConstantValue({
          builtinActions: ['send-200', 'start-media'],
          transitions: [{ from: 'ringing', on: 'answer', to: 'active', actions: actions.map((name) => ({ name })) }],
        });
      });
    const plugins = [['rvoip-plugin-billing', { ratePerMinute: 1 }], 'rvoip-plugin-transcription'];
    const bad = await Kernel.create({ coreModules: [], configPath: config('table-bad', plugins), logger: memoryLogger(), modules: [table(['send-200', 'transcribe', 'summarize'])] });
    const err = await rejection(bad.start());
    expect(err).to.be.instanceOf(StateTableError);
    expect(isRvoipError(err, 'RVOIP_ERR_STATE_ACTION_UNKNOWN')).to.equal(true);
    expect(err.message).to.equal('state table names actions no built-in or StateActionAdapter handles: "summarize" in ringing --answer--> active');

    const good = await Kernel.create({ coreModules: [], configPath: config('table-good', plugins), logger: memoryLogger(), modules: [table(['send-200', 'start-media', 'transcribe'])] });
    expect((await good.start()).ok).to.equal(true);
    await good.stop();
  });
});
