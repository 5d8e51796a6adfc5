import { expect } from 'chai';
import { isRvoipError, silentLogger } from '@rvoip/contracts';
import type { Lifecycle } from '@rvoip/contracts';
import { LifecycleGraphError, LifecycleRunner, LifecycleTimeoutError, orderUnits } from '@rvoip/kernel';
import type { LifecycleUnit } from '@rvoip/kernel';

function unit(name: string, calls: string[], extra: Partial<Lifecycle> = {}, owner = 'core'): LifecycleUnit {
  return {
    owner,
    after: [],
    service: {
      name,
      onInitialize: () => void calls.push(`init:${name}`),
      onStart: () => void calls.push(`start:${name}`),
      onStop: () => void calls.push(`stop:${name}`),
      ...extra,
    },
  };
}

describe('kernel/lifecycle', () => {
  it('initializes all, then starts all, in dependency order; stops in reverse', async () => {
    const calls: string[] = [];
    const runner = new LifecycleRunner(
      [unit('session', calls, { dependsOn: ['sip', 'storage'] }), unit('sip', calls), unit('storage', calls)],
      1000, silentLogger, () => 'abort',
    );
    await runner.initialize();
    await runner.start();
    await runner.stop();
    expect(calls).to.deep.equal([
      'init:sip', 'init:storage', 'init:session',
      'start:sip', 'start:storage', 'start:session',
      'stop:session', 'stop:storage', 'stop:sip',
    ]);
    expect(runner.reports.every((r) => r.status === 'stopped' && typeof r.timings.onStart === 'number')).to.equal(true);
  });

  it('bounds every hook with a timeout and names the service and hook in a typed error', async () => {
    const calls: string[] = [];
    const runner = new LifecycleRunner(
      [unit('storage', calls), unit('slow', calls, { dependsOn: ['storage'], timeoutMs: 50, onStart: () => new Promise(() => undefined) })],
      1000, silentLogger, () => 'abort',
    );
    await runner.initialize();
    let err: unknown;
    await runner.start().catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(LifecycleTimeoutError);
    expect(isRvoipError(err, 'RVOIP_ERR_LIFECYCLE_TIMEOUT')).to.equal(true);
    expect((err as Error).message).to.equal('slow.onStart did not settle within 50 ms');
    await runner.stop();
    expect(calls).to.deep.equal(['init:storage', 'init:slow', 'start:storage', 'stop:slow', 'stop:storage']);
  });

  it('wraps a throwing hook with service and hook, and skips dependants under continue', async () => {
    const calls: string[] = [];
    const failures: string[] = [];
    const runner = new LifecycleRunner(
      [
        unit('billing', calls, { onInitialize: () => Promise.reject(new Error('db down')) }, 'billing'),
        unit('reports', calls, { dependsOn: ['billing'] }, 'reports'),
        unit('other', calls),
      ],
      1000, silentLogger, (u, hook, e) => (failures.push(`${u.owner}:${hook}:${e.message}`), 'continue'),
    );
    await runner.initialize();
    await runner.start();
    expect(failures).to.deep.equal(['billing:onInitialize:billing.onInitialize failed: db down']);
    expect(runner.reports.map((r) => [r.name, r.status])).to.deep.equal([['billing', 'failed'], ['other', 'started'], ['reports', 'skipped']]);
    expect(calls).to.deep.equal(['init:other', 'start:other']);
  });

  it('stop is idempotent: concurrent and repeated calls run each onStop once', async () => {
    const calls: string[] = [];
    const runner = new LifecycleRunner([unit('a', calls), unit('b', calls)], 1000, silentLogger, () => 'abort');
    await runner.initialize();
    await runner.start();
    await Promise.all([runner.stop(), runner.stop()]);
    await runner.stop();
    expect(calls.filter((c) => c.startsWith('stop:'))).to.deep.equal(['stop:b', 'stop:a']);
  });

  it('rejects unknown dependencies, cycles and duplicate names precisely', () => {
    const calls: string[] = [];
    const fails = (units: LifecycleUnit[]): string => {
      try {
        orderUnits(units);
      } catch (err) {
        expect(err).to.be.instanceOf(LifecycleGraphError);
        return (err as Error).message;
      }
      throw new Error('expected LifecycleGraphError');
    };
    expect(fails([unit('a', calls, { dependsOn: ['ghost'] })])).to.equal('service "a" depends on "ghost", which no module binds');
    expect(fails([unit('a', calls, { dependsOn: ['b'] }), unit('b', calls, { dependsOn: ['a'] })])).to.equal('dependency cycle among services: a, b');
    expect(fails([unit('a', calls), unit('a', calls, {}, 'billing')])).to.equal('two services are named "a" (owners core and billing)');
  });
});
