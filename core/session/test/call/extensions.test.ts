import { expect } from 'chai';
import type { CallEventOf, SessionInfo, StateActionAdapter, StateActionParams, StateActionResult } from '@rvoip/contracts';
import { loadStateTable } from '../../src/state/state-table-loader.js';
import { testPeer, waitForState, type TestPeer } from '../helpers/sip-peers.js';

describe('session extension points over real calls', function () {
  this.timeout(20000);
  const peers: TestPeer[] = [];
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });

  it('runs StateActionAdapter actions named in an extended table; vars reach the CDR; emitted events are fed back', async () => {
    const executed: Array<{ action: string; state: string; params: StateActionParams }> = [];
    const adapter: StateActionAdapter = {
      canHandle: (a) => a === 'tag-vip' || a === 'greet',
      execute: async (action: string, session: SessionInfo, params: StateActionParams): Promise<StateActionResult> => {
        executed.push({ action, state: session.state, params });
        return action === 'tag-vip' ? { vars: { vip: true }, emit: 'greeted' } : { vars: { greetings: 1 } };
      },
    };
    const table = loadStateTable({
      extend: [{ yaml: [
        'events: [greeted]',
        'transitions:',
        '  - { from: [ringing, early-media], on: accept, to: active, actions: [start-media, mark-answered, { name: tag-vip, params: { level: gold } }] }',
        '  - { from: active, on: greeted, to: active, actions: [greet] }',
      ].join('\n') }],
      adapters: [adapter],
    });
    const alice = await testPeer('alice');
    const bob = await testPeer('bob', { table, adapters: [adapter] });
    peers.push(alice, bob);
    const bobActive = waitForState(bob, 'active');
    const info = await alice.calls.dial({ to: bob.uri });
    const bobId = await bobActive;
    await waitForState(alice, 'active', info.id);
    // Actions run after the transition's listeners: wait for the chain to finish.
    for (let i = 0; i < 100 && executed.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(executed.map((e) => e.action)).to.deep.equal(['tag-vip', 'greet']);
    expect(executed[0]!.params).to.deep.equal({ level: 'gold' });
    expect(bob.sessions.get(bobId)?.vars).to.include({ vip: true, greetings: 1 });
    const ended = bob.calls.ended(bobId);
    await alice.calls.hangup(info.id);
    await ended;
    await bob.sink.drain();
    const cdr = bob.events.find((e): e is CallEventOf<'call-ended'> => e.type === 'call-ended')!.cdr;
    expect(cdr.tags).to.include({ vip: true, greetings: 1 });
  });

  it('keeps calls working when a CallEventAdapter throws or never returns', async () => {
    const seen: string[] = [];
    const alice = await testPeer('alice', {
      eventAdapters: [
        { name: 'thrower', onStateChange: () => { throw new Error('adapter bug'); } },
        { name: 'hanger', onStateChange: () => new Promise<void>(() => undefined) },
        { name: 'healthy', onStateChange: (e) => { seen.push(e.to); } },
      ],
    });
    const bob = await testPeer('bob');
    peers.push(alice, bob);
    const info = await alice.calls.dial({ to: bob.uri });
    await waitForState(alice, 'active', info.id);
    await alice.calls.hangup(info.id);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).to.deep.equal(['calling', 'active', 'terminating', 'terminated']);
    expect(alice.sink.failures).to.equal(4);
    // The hanging adapter holds one event in flight and queues the rest; the sink stays bounded.
    await alice.sink.drain(100);
  });

  it('publishes media-stats events periodically while media runs, and the CDR carries the totals', async () => {
    const alice = await testPeer('alice', { mediaStatsIntervalMs: 50 });
    const bob = await testPeer('bob');
    peers.push(alice, bob);
    const info = await alice.calls.dial({ to: bob.uri });
    await waitForState(alice, 'active', info.id);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const ended = alice.calls.ended(info.id);
    await alice.calls.hangup(info.id);
    await ended;
    await alice.sink.drain();
    const stats = alice.events.filter((e) => e.type === 'media-stats');
    expect(stats.length).to.be.greaterThan(1);
    const cdr = alice.events.find((e): e is CallEventOf<'call-ended'> => e.type === 'call-ended')!.cdr;
    expect(cdr.media).to.include({ codec: 'PCMU' });
  });
});
