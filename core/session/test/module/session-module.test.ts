import { expect } from 'chai';
import { Container } from 'inversify';
import {
  CallController, CallEventSink, Decision, SessionManager, SignalingHandler, StateActionAdapter, StateTable,
  contributionPointsModule,
} from '@rvoip/contracts';
import type {
  CallController as CallControllerType, CallEvent, SessionManager as SessionManagerType, StateTable as StateTableType,
} from '@rvoip/contracts';
import { SipStack } from '@rvoip/sip';
import { sessionModule } from '../../src/session-module.js';
import { CallSettingsToken, MediaLegFactoryToken, SessionRuntimeToken, SipUserAgentToken } from '../../src/tokens.js';
import { FakeMedia } from '../helpers/fake-media.js';

async function container(name: string): Promise<{ c: Container; uri: string; stack: SipStack; events: CallEvent[] }> {
  const stack = await SipStack.create({ listen: ['udp://127.0.0.1:0'], domain: '127.0.0.1' });
  const uri = `sip:${name}@127.0.0.1:${stack.listeningPoints()[0]!.port}`;
  const events: CallEvent[] = [];
  const c = new Container();
  c.load(contributionPointsModule(StateActionAdapter));
  c.bind(SipUserAgentToken).toConstantValue(stack);
  c.bind(MediaLegFactoryToken).toConstantValue(new FakeMedia());
  c.bind(CallSettingsToken).toConstantValue({ localUri: uri });
  c.bind(CallEventSink).toConstantValue({ publish: (e: CallEvent) => events.push(e) });
  c.load(sessionModule);
  return { c, uri, stack, events };
}

describe('sessionModule (inversify)', function () {
  this.timeout(15000);

  it('binds CallController, SessionManager, SignalingHandler and StateTable; two containers call each other', async () => {
    const a = await container('alice');
    const b = await container('bob');
    try {
      const table = a.c.get<StateTableType>(StateTable);
      expect(table.transitions.length).to.be.greaterThan(20);
      const calls = a.c.get<CallControllerType>(CallController);
      const bobSessions = b.c.get<SessionManagerType>(SessionManager);
      // Resolving the runtime attaches it to the UA (the kernel's 'session' lifecycle does this at start).
      b.c.get(SessionRuntimeToken);
      expect(a.c.get(CallController)).to.equal(calls);
      const active = new Promise<void>((resolve) => bobSessions.onStateChange((ch) => { if (ch.to === 'active') resolve(); }));
      const info = await calls.dial({ to: b.uri });
      await active;
      await calls.hangup(info.id);
      expect(a.events.some((e) => e.type === 'call-ended')).to.equal(true);
    } finally {
      await a.stack.close();
      await b.stack.close();
    }
  });

  it('lets a call-centre engine rebind SignalingHandler', async () => {
    const a = await container('alice');
    const b = await container('bob');
    try {
      await b.c.unbindAsync(SignalingHandler);
      b.c.bind(SignalingHandler).toConstantValue({ decide: () => Decision.reject(403, 'Not Here') });
      b.c.get(SessionRuntimeToken);
      const calls = a.c.get<CallControllerType>(CallController);
      const failed = new Promise<string | undefined>((resolve) =>
        a.c.get<SessionManagerType>(SessionManager).onStateChange((ch) => { if (ch.to === 'failed') resolve(ch.cause); }));
      await calls.dial({ to: b.uri });
      expect(await failed).to.equal('403 Not Here');
    } finally {
      await a.stack.close();
      await b.stack.close();
    }
  });
});
