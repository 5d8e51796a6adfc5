import { expect } from 'chai';
import { Decision } from '@rvoip/contracts';
import type { CallEventOf } from '@rvoip/contracts';
import { testPeer, waitForState, type TestPeer } from '../helpers/sip-peers.js';

async function connected(a: TestPeer, b: TestPeer): Promise<{ a: string; b: string }> {
  const bActive = waitForState(b, 'active');
  const info = await a.calls.dial({ to: b.uri });
  await waitForState(a, 'active', info.id);
  return { a: info.id, b: await bActive };
}

describe('CallController over a real SipStack (fake media): mid-call', function () {
  this.timeout(30000);
  const peers: TestPeer[] = [];
  const peer = async (name: string, settings?: { sessionExpires?: number }): Promise<TestPeer> => {
    const p = await testPeer(name, settings);
    peers.push(p);
    return p;
  };
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });

  it('holds and resumes with re-INVITEs; the far side follows (sendonly/recvonly)', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const ids = await connected(alice, bob);
    const bobHeld = waitForState(bob, 'on-hold', ids.b);
    await alice.calls.hold(ids.a);
    await bobHeld;
    expect(alice.sessions.get(ids.a)).to.include({ state: 'on-hold', held: true });
    const bobLeg = bob.media.legs[0]!;
    expect(bobLeg.direction).to.equal('recvonly');
    const bobBack = waitForState(bob, 'active', ids.b);
    await alice.calls.resume(ids.a);
    await bobBack;
    expect(alice.sessions.get(ids.a)).to.include({ state: 'active', held: false });
    expect(alice.media.legs[0]!.offers).to.deep.equal(['sendrecv', 'sendonly', 'sendrecv']);
    // and the other way round
    const aliceHeld = waitForState(alice, 'on-hold', ids.a);
    await bob.calls.hold(ids.b);
    await aliceHeld;
    await bob.calls.resume(ids.b);
    expect(alice.sessions.get(ids.a)?.state).to.equal('active');
  });

  it('sends DTMF by SIP INFO and by RFC 4733, and reports received digits as events', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const ids = await connected(alice, bob);
    const got: string[] = [];
    bob.runtime.events.onDtmf((d) => got.push(`${d.digit}:${d.method}`));
    await alice.calls.sendDtmf(ids.a, '12#', { method: 'info', gapMs: 10 });
    expect(got).to.deep.equal(['1:info', '2:info', '#:info']);
    await alice.calls.sendDtmf(ids.a, '9*', { gapMs: 10 });
    expect(alice.media.legs[0]!.sentDigits).to.deep.equal(['9', '*']);
    bob.media.legs[0]!.emitDtmf('5');
    expect(got).to.include('5:rfc4733');
    await bob.sink.drain();
    expect(bob.events.filter((e) => e.type === 'dtmf').map((e) => (e as CallEventOf<'dtmf'>).digit)).to.deep.equal(['1', '2', '#', '5']);
    const err = await alice.calls.sendDtmf(ids.a, '1x').then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).to.contain("'X' in \"1x\" is not a DTMF digit");
  });

  it('blind-transfers with REFER; NOTIFY progress ends the transferor leg', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const carol = await peer('carol');
    const ids = await connected(alice, bob);
    const carolActive = waitForState(carol, 'active');
    const links: string[] = [];
    bob.runtime.events.onLink((l) => links.push(l.kind));
    const bobOldEnded = bob.calls.ended(ids.b);
    await alice.calls.transfer(ids.a, carol.uri);
    const carolId = await carolActive;
    expect(carol.sessions.get(carolId)?.remote.uri).to.contain('bob');
    expect(links).to.deep.equal(['transfer']);
    await bobOldEnded;
    expect(bob.sessions.get(ids.b)).to.equal(undefined);
    expect(alice.sessions.count()).to.equal(0);
    expect(bob.sessions.count({ state: 'active' })).to.equal(1);
    await alice.sink.drain();
    const cdr = alice.events.find((e): e is CallEventOf<'call-ended'> => e.type === 'call-ended')?.cdr;
    expect(cdr?.endReason).to.equal('transferred');
  });

  it('reports a failed blind transfer and returns the call to active', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const carol = await peer('carol');
    carol.decide = () => Decision.reject(603, 'Decline');
    const ids = await connected(alice, bob);
    const err = await alice.calls.transfer(ids.a, carol.uri).then(() => undefined, (e: unknown) => e as Error & { code: string });
    expect(err?.code).to.equal('RVOIP_ERR_SESSION_TRANSFER');
    expect(alice.sessions.get(ids.a)?.state).to.equal('active');
  });

  it('attended transfer: REFER with Replaces; the target swaps dialogs and the transferor drops out', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const carol = await peer('carol');
    const ab = await connected(alice, bob);
    const ac = await connected(alice, carol);
    await alice.calls.hold(ab.a);
    const carolLinks: string[] = [];
    carol.runtime.events.onLink((l) => carolLinks.push(`${l.kind}:${l.sessionId === ac.b}`));
    const carolOldEnded = carol.calls.ended(ac.b);
    await alice.calls.attendedTransfer(ab.a, ac.a);
    await carolOldEnded;
    expect(carolLinks).to.deep.equal(['replaces:true']);
    const bobNew = bob.sessions.list({ state: 'active' });
    const carolNew = carol.sessions.list({ state: 'active' });
    expect(bobNew).to.have.length(1);
    expect(carolNew).to.have.length(1);
    expect(carolNew[0]!.remote.uri).to.contain('bob');
    await alice.calls.ended(ac.a);
    expect(alice.sessions.count()).to.equal(0);
  });

  it('answers 491 to a re-INVITE while its own offer is pending (glare); the peer retries', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const ids = await connected(alice, bob);
    // Alice is mid-offer for exactly Bob's first re-INVITE: it must get 491 and be retried
    // after the RFC 3261 14.1 back-off. The flag clears when read, not after a fixed delay,
    // because a back-off under 100 ms on a loaded machine would meet the flag still set.
    const handle = alice.runtime.core.handles(ids.a);
    let pendingReads = 0;
    Object.defineProperty(handle, 'offerPending', {
      configurable: true,
      get: () => pendingReads++ === 0,
      set: () => undefined,
    });
    await bob.calls.hold(ids.b);
    expect(pendingReads).to.equal(2);
    expect(bob.media.legs[0]!.offers.filter((d) => d === 'sendonly').length).to.equal(2);
    expect(bob.sessions.get(ids.b)?.state).to.equal('on-hold');
    expect(alice.sessions.get(ids.a)?.state).to.equal('on-hold');
  });

  it('resolves simultaneous holds from both sides', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const ids = await connected(alice, bob);
    await Promise.all([alice.calls.hold(ids.a), bob.calls.hold(ids.b)]);
    expect(alice.sessions.get(ids.a)?.state).to.equal('on-hold');
    expect(bob.sessions.get(ids.b)?.state).to.equal('on-hold');
  });

  it('refreshes the session (RFC 4028) with a re-INVITE at half the interval', async () => {
    const alice = await peer('alice', { sessionExpires: 2 });
    const bob = await peer('bob');
    const ids = await connected(alice, bob);
    const offersBefore = alice.media.legs[0]!.offers.length;
    await new Promise((resolve) => {
      const poll = setInterval(() => {
        if (alice.media.legs[0]!.offers.length > offersBefore) {
          clearInterval(poll);
          resolve(undefined);
        }
      }, 50);
    });
    expect(alice.sessions.get(ids.a)?.state).to.equal('active');
    expect(bob.sessions.get(ids.b)?.state).to.equal('active');
  });

  it('renegotiates with UPDATE as well as re-INVITE', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const ids = await connected(alice, bob);
    const before = bob.media.legs[0]!.remote.length;
    await alice.calls.renegotiate(ids.a, 'UPDATE');
    await alice.calls.renegotiate(ids.a, 'INVITE');
    expect(bob.media.legs[0]!.remote.length).to.equal(before + 2);
    expect(alice.sessions.get(ids.a)?.state).to.equal('active');
  });

  it('ends the call with a session-expired BYE when the refresher stops refreshing (RFC 4028)', async () => {
    const alice = await peer('alice', { sessionExpires: 2 });
    const bob = await peer('bob');
    const ids = await connected(alice, bob);
    // Alice is the refresher; silence her timer so Bob's expiry fires.
    clearTimeout(alice.runtime.core.handles(ids.a).sessionTimer);
    const bobEnded = bob.calls.ended(ids.b);
    const aliceEnded = waitForState(alice, 'terminated', ids.a);
    await bobEnded;
    await aliceEnded;
    await bob.sink.drain();
    const cdr = bob.events.find((e): e is CallEventOf<'call-ended'> => e.type === 'call-ended')?.cdr;
    expect(cdr?.endReason).to.equal('timeout');
  });
});
