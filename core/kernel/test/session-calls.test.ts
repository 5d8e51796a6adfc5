import { expect } from 'chai';
import { ContainerModule } from 'inversify';
import { CallController, SessionManager, StorageAdapter } from '@rvoip/contracts';
import type { CallState, SessionId } from '@rvoip/contracts';
import { MediaEngine } from '@rvoip/media';
import { SipStackHost, sipModule } from '@rvoip/sip';
import { CallSettingsToken, MediaLegFactoryToken, SessionRuntimeToken, SipUserAgentToken, mediaEngineLegs, sessionModule } from '@rvoip/session';
import { CallEventDispatcher, Kernel } from '@rvoip/kernel';
import { memoryLogger } from './helpers/logger.js';
import { tempApp } from './helpers/temp-app.js';
import type { TempApp } from './helpers/temp-app.js';

/**
 * Test-side wiring of the lower layers under the session tokens (the kernel's own wiring of
 * these comes with the core module list): the running SipStack as the user agent, a real
 * MediaEngine on loopback for the legs.
 */
function wiring(name: string): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(SipUserAgentToken).toDynamicValue((ctx) => ctx.get<SipStackHost>(SipStackHost).stack).inSingletonScope();
    bind(MediaLegFactoryToken).toConstantValue(mediaEngineLegs(new MediaEngine({ bindAddress: '127.0.0.1' })));
    bind(CallSettingsToken).toDynamicValue((ctx) => {
      const port = ctx.get<SipStackHost>(SipStackHost).stack.listeningPoints()[0].port;
      return { localUri: `sip:${name}@127.0.0.1:${port}` };
    }).inSingletonScope();
  });
}

function reach(kernel: Kernel, state: CallState, id?: SessionId): Promise<SessionId> {
  const sessions = kernel.get<SessionManager>(SessionManager);
  return new Promise((resolve) => {
    const sub = sessions.onStateChange((c) => {
      if (c.to === state && (!id || c.session.id === id)) {
        sub.dispose();
        resolve(c.session.id);
      }
    });
  });
}

describe('kernel + session layer: a misbehaving CallEventAdapter never breaks a call', function () {
  this.timeout(60_000);
  let app: TempApp;
  const kernels: Kernel[] = [];
  before(async () => {
    app = await tempApp();
  });
  after(async () => {
    await Promise.all(kernels.map((k) => k.stop()));
  });

  async function node(name: string, plugins: unknown[]): Promise<Kernel> {
    const configPath = app.writeConfig(`call-${name}`, 'rvoip.config.json', {
      sip: { listen: ['udp://127.0.0.1:0'], domain: '127.0.0.1' },
      storage: { adapter: 'memory' },
      plugins,
      kernel: { eventTimeoutMs: 200 },
    });
    const kernel = await Kernel.create({ configPath, env: {}, logger: memoryLogger(), coreModules: [sipModule, sessionModule, wiring(name)] });
    kernels.push(kernel);
    await kernel.start();
    kernel.get(SessionRuntimeToken); // attaches the session layer to the started SIP stack
    return kernel;
  }

  it('places, answers and hangs up a call while the throwing adapter fails on every event', async () => {
    const alice = await node('alice', ['rvoip-plugin-throwing-adapter', ['rvoip-plugin-billing', { ratePerMinute: 1 }]]);
    const bob = await node('bob', []);
    const bobPort = bob.get<SipStackHost>(SipStackHost).stack.listeningPoints()[0].port;

    const calls = alice.get<CallController>(CallController);
    const bobActive = reach(bob, 'active');
    const aliceActive = reach(alice, 'active');
    const session = await calls.dial({ to: `sip:bob@127.0.0.1:${bobPort}` });
    expect(await aliceActive).to.equal(session.id);
    const bobId = await bobActive;
    expect(alice.get<SessionManager>(SessionManager).get(session.id)?.state).to.equal('active');

    const ended = reach(alice, 'terminated', session.id);
    const bobEnded = reach(bob, 'terminated', bobId);
    await calls.hangup(session.id);
    await Promise.all([ended, bobEnded]);

    const dispatcher = alice.get<CallEventDispatcher>(CallEventDispatcher);
    await dispatcher.whenIdle();
    const bad = dispatcher.stats().find((s) => s.adapter === 'bad-adapter');
    expect(bad?.pluginId).to.equal('throwing-adapter');
    expect(bad?.failed).to.be.greaterThan(0);
    expect(bad?.delivered).to.equal(0);
    expect(dispatcher.stats().find((s) => s.adapter === 'billing-cdr')).to.include({ delivered: 1, failed: 0 });
    expect(await alice.get<StorageAdapter>(StorageAdapter).kv.get(`billing:${session.id}`)).to.have.property('currency', 'EUR');
  });
});
