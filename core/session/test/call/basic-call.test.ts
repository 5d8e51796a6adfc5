import { expect } from 'chai';
import { Decision } from '@rvoip/contracts';
import type { CallEventOf } from '@rvoip/contracts';
import { testPeer, waitForState, type TestPeer } from '../helpers/sip-peers.js';

describe('CallController over a real SipStack (fake media): basic calls', function () {
  this.timeout(20000);
  let alice: TestPeer;
  let bob: TestPeer;
  beforeEach(async () => {
    alice = await testPeer('alice');
    bob = await testPeer('bob');
  });
  afterEach(async () => {
    await alice.close();
    await bob.close();
  });

  const cdrs = (p: TestPeer): Array<CallEventOf<'call-ended'>['cdr']> =>
    p.events.filter((e): e is CallEventOf<'call-ended'> => e.type === 'call-ended').map((e) => e.cdr);

  it('places, answers and hangs up a call; both sides write a CDR and leave nothing behind', async () => {
    const bobActive = waitForState(bob, 'active');
    const info = await alice.calls.dial({ to: bob.uri });
    expect(info.direction).to.equal('outbound');
    await waitForState(alice, 'active', info.id);
    const bobId = await bobActive;
    expect(bob.sessions.get(bobId)?.remote.uri).to.contain('alice');
    expect(alice.sessions.get(info.id)?.codec).to.equal('PCMU');
    const bobDone = waitForState(bob, 'terminated', bobId);
    await alice.calls.hangup(info.id);
    await bobDone;
    await alice.sink.drain();
    await bob.sink.drain();
    expect(cdrs(alice)).to.have.length(1);
    expect(cdrs(alice)[0]).to.include({ direction: 'outbound', endReason: 'normal', sipCode: 200 });
    expect(cdrs(bob)[0]).to.include({ direction: 'inbound', endReason: 'normal' });
    expect(cdrs(bob)[0]!.answeredAt).to.be.instanceOf(Date);
    for (const p of [alice, bob]) {
      expect(Object.values(p.runtime.registry.sizes()).every((n) => n === 0), JSON.stringify(p.runtime.registry.sizes())).to.equal(true);
      expect(p.runtime.core.liveHandles()).to.equal(0);
      expect(p.media.legs.every((l) => l.closed)).to.equal(true);
    }
    const states = alice.events.filter((e) => e.type === 'state-changed').map((e) => (e as CallEventOf<'state-changed'>).to);
    expect(states).to.deep.equal(['calling', 'active', 'terminating', 'terminated']);
  });

  it('reports a rejection with its SIP status (486 -> busy)', async () => {
    bob.decide = () => Decision.reject(486, 'Busy Here');
    const change = new Promise<string | undefined>((resolve) => {
      alice.sessions.onStateChange((c) => { if (c.to === 'failed') resolve(c.cause); });
    });
    const info = await alice.calls.dial({ to: bob.uri });
    const ended = alice.calls.ended(info.id);
    expect(await change).to.equal('486 Busy Here');
    await ended;
    await alice.sink.drain();
    expect(cdrs(alice)[0]).to.include({ sessionId: info.id, endReason: 'busy', sipCode: 486, billableMs: 0 });
  });

  it('CANCELs a ringing call; both sides end as cancelled', async () => {
    bob.decide = () => Decision.defer({ ring: true });
    const bobRinging = waitForState(bob, 'ringing');
    const info = await alice.calls.dial({ to: bob.uri });
    await waitForState(alice, 'ringing', info.id);
    const bobId = await bobRinging;
    const bobEnded = waitForState(bob, 'terminated', bobId);
    await alice.calls.hangup(info.id);
    await bobEnded;
    await alice.calls.ended(info.id);
    await bob.calls.ended(bobId);
    await alice.sink.drain();
    await bob.sink.drain();
    expect(cdrs(alice)[0]).to.include({ endReason: 'cancelled' });
    expect(cdrs(bob)[0]).to.include({ endReason: 'cancelled', sipCode: 487 });
  });

  it('answers a deferred call through CallController.answer, and the callee can hang up', async () => {
    bob.decide = () => Decision.defer({ ring: true });
    const bobRinging = waitForState(bob, 'ringing');
    const info = await alice.calls.dial({ to: bob.uri });
    const bobId = await bobRinging;
    await bob.calls.answer(bobId);
    await waitForState(alice, 'active', info.id);
    const aliceEnded = waitForState(alice, 'terminated', info.id);
    await bob.calls.hangup(bobId);
    await aliceEnded;
  });

  it('rejects a deferred call with 480 after its timeout', async () => {
    bob.decide = () => Decision.defer({ timeoutMs: 200 });
    const info = await alice.calls.dial({ to: bob.uri });
    await alice.calls.ended(info.id);
    await alice.sink.drain();
    expect(cdrs(alice)[0]).to.include({ sipCode: 480, endReason: 'no-answer' });
  });

  it('refuses a command the state table does not allow, with a clear error', async () => {
    bob.decide = () => Decision.defer({ ring: true });
    const info = await alice.calls.dial({ to: bob.uri });
    await waitForState(alice, 'ringing', info.id);
    const err = await alice.calls.hold(info.id).then(() => undefined, (e: unknown) => e as Error & { code: string });
    expect(err?.code).to.equal('RVOIP_ERR_SESSION_INVALID_STATE');
    expect(err?.message).to.contain("cannot handle 'hold' in state 'ringing'");
  });

  it('a Custom decision answers the INVITE itself (180 then 302 with Contact)', async () => {
    const seen: string[] = [];
    bob.decide = () => Decision.custom(async (req, responder) => {
      seen.push(req.method, req.from.uri);
      await responder.respond({ code: 180 });
      await responder.respond({ code: 302, reason: 'Moved Temporarily', headers: { Contact: '<sip:queue@127.0.0.1:9>' } });
    });
    const states: string[] = [];
    alice.sessions.onStateChange((c) => states.push(c.to));
    const info = await alice.calls.dial({ to: bob.uri });
    await alice.calls.ended(info.id);
    expect(seen[0]).to.equal('INVITE');
    expect(seen[1]).to.contain('alice');
    expect(states).to.deep.equal(['calling', 'ringing', 'failed']);
    await alice.sink.drain();
    expect(cdrs(alice)[0]).to.include({ sipCode: 302, endReason: 'rejected' });
  });

  it('a Custom decision can accept with a 2xx', async () => {
    bob.decide = () => Decision.custom(async (_req, responder) => responder.respond({ code: 200, headers: { 'X-Queue': 'sales' } }));
    const info = await alice.calls.dial({ to: bob.uri });
    await waitForState(alice, 'active', info.id);
    await alice.calls.hangup(info.id);
  });
});
