import 'reflect-metadata';
import { expect } from 'chai';
import { ContainerModule, inject, injectable, named } from 'inversify';
import {
  CallController, ConferenceManager, ContributionProvider, Decision, Lifecycle, RegistryService, SessionManager,
  SignalingHandler, StorageAdapter, StateActionAdapter,
} from '@rvoip/contracts';
import type { IncomingRequestInfo, SignalingDecision } from '@rvoip/contracts';
import { Kernel, MemoryStorageAdapter } from '@rvoip/kernel';
import { memoryLogger } from './helpers/logger.js';
import { tempApp } from './helpers/temp-app.js';

@injectable()
class AcceptAll implements SignalingHandler {
  decide(): SignalingDecision {
    return Decision.accept();
  }
}

/** What a call-centre engine does: replace the handler, and depend on a contribution point. */
@injectable()
class QueueingHandler implements SignalingHandler {
  constructor(@inject(ContributionProvider) @named(StateActionAdapter) readonly actions: ContributionProvider<StateActionAdapter>) {}
  decide(request: IncomingRequestInfo): SignalingDecision {
    return request.method === 'INVITE' ? Decision.defer({ ring: true, timeoutMs: 30_000 }) : Decision.reject(405, 'Method Not Allowed');
  }
}

const fakeSessionModule = new ContainerModule(({ bind }) => {
  bind<SignalingHandler>(SignalingHandler).to(AcceptAll).inSingletonScope();
  bind<Lifecycle>(Lifecycle).toConstantValue({ name: 'session', dependsOn: ['storage'] });
});

describe('kernel/DI', function () {
  this.timeout(60_000);

  it('names every token Symbol.for(rvoip.<pkg>.<Name>)', () => {
    expect(SessionManager).to.equal(Symbol.for('rvoip.session.SessionManager'));
    expect(CallController).to.equal(Symbol.for('rvoip.session.CallController'));
    expect(ConferenceManager).to.equal(Symbol.for('rvoip.session.ConferenceManager'));
    expect(RegistryService).to.equal(Symbol.for('rvoip.session.RegistryService'));
    expect(SignalingHandler).to.equal(Symbol.for('rvoip.session.SignalingHandler'));
    expect(StorageAdapter).to.equal(Symbol.for('rvoip.storage.StorageAdapter'));
  });

  it('loads core modules, and lets an app module rebind a core service (call-centre SignalingHandler)', async () => {
    const app = await tempApp();
    const configPath = app.writeConfig('di', 'rvoip.config.json', { storage: { adapter: 'memory' } });
    const callCentre = new ContainerModule(({ rebind }) => void rebind<SignalingHandler>(SignalingHandler).to(QueueingHandler).inSingletonScope());
    const kernel = await Kernel.create({ configPath, env: {}, logger: memoryLogger(), coreModules: [fakeSessionModule], modules: [callCentre] });
    const result = await kernel.start();
    expect(result.services.map((s) => s.name)).to.deep.equal(['storage', 'call-events', 'session']);
    const handler = kernel.get<SignalingHandler>(SignalingHandler);
    expect(handler).to.be.instanceOf(QueueingHandler);
    expect((handler as QueueingHandler).actions.getContributions()).to.deep.equal([]);
    const invite = { method: 'INVITE' } as IncomingRequestInfo;
    expect(await handler.decide(invite)).to.deep.equal({ kind: 'defer', ring: true, timeoutMs: 30_000 });
    expect(kernel.get(StorageAdapter)).to.be.instanceOf(MemoryStorageAdapter);
    await kernel.stop();
  });
});
