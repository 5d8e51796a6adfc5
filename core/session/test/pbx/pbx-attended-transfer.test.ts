/**
 * Attended transfer across the B2BUA: alice talks to bob and to carol, both through the
 * PBX, and REFERs bob to carol with Replaces naming her own dialog with the PBX for the
 * carol call. The PBX maps that dialog to its legs, joins bob with carol and ends
 * alice's legs.
 */
import { expect } from 'chai';
import type { CallState, SessionId } from '@rvoip/contracts';
import { PbxRig } from './helpers.js';
import type { Phone } from './helpers.js';

describe('session/pbx attended transfer (REFER with Replaces)', function () {
  this.timeout(60_000);
  const rig = new PbxRig();
  let alice: Phone;
  let bob: Phone;
  let carol: Phone;

  before(async () => {
    await rig.start();
    alice = await rig.phone('alice');
    bob = await rig.phone('bob');
    carol = await rig.phone('carol');
    await rig.register('1001', alice);
    await rig.register('1002', bob);
    await rig.register('1005', carol);
  });
  after(() => rig.stop());

  const pbxCount = (state: CallState): number => rig.pbxSessions.count({ state });
  const until = async (ok: () => boolean): Promise<void> => {
    while (!ok()) await new Promise((r) => setTimeout(r, 20));
  };

  async function callThrough(from: Phone, to: Phone, user: string): Promise<{ caller: SessionId; callee: SessionId }> {
    const calleeActive = to.reach('active');
    const callerActive = from.reach('active');
    const call = await from.calls.dial({ to: rig.uri(user) });
    const [callee] = await Promise.all([calleeActive, callerActive]);
    return { caller: call.id, callee: callee.session.id };
  }

  it('joins the two far parties, ends both of the transferor\'s legs, and the parties hear each other', async () => {
    const toBob = await callThrough(alice, bob, '1002');
    await until(() => pbxCount('active') === 2);
    const bobHeld = bob.reach('on-hold', toBob.callee);
    await alice.calls.hold(toBob.caller);
    await bobHeld;
    const toCarol = await callThrough(alice, carol, '1005');
    await until(() => pbxCount('active') === 2 && pbxCount('on-hold') === 2);

    const bobResumed = bob.reach('active', toBob.callee);
    const aliceFirstEnded = alice.reach('terminated', toBob.caller);
    const aliceSecondEnded = alice.reach('terminated', toCarol.caller);
    await alice.calls.attendedTransfer(toBob.caller, toCarol.caller);
    const [first, second] = await Promise.all([aliceFirstEnded, aliceSecondEnded]);
    expect(first.session.endReason).to.equal('transferred');
    expect(second.cause).to.equal('BYE');
    await bobResumed;

    expect(bob.sessions.get(toBob.callee)?.state).to.equal('active');
    expect(carol.sessions.get(toCarol.callee)?.state).to.equal('active');
    await until(() => rig.pbxSessions.count() === 2);
    expect(rig.pbxSessions.list().map((s) => s.state)).to.deep.equal(['active', 'active']);

    void bob.calls.play(toBob.callee, { kind: 'tone', frequencies: [1400], durationMs: 5000 });
    void carol.calls.play(toCarol.callee, { kind: 'tone', frequencies: [600], durationMs: 5000 });
    const [atBob, atCarol] = await Promise.all([bob.hears(toBob.callee, [600, 1400]), carol.hears(toCarol.callee, [600, 1400])]);
    expect(atBob).to.equal(600);
    expect(atCarol).to.equal(1400);

    const carolEnded = carol.reach('terminated', toCarol.callee);
    await bob.calls.hangup(toBob.callee);
    await carolEnded;
    await until(() => rig.pbxSessions.count() === 0);
  });

  it('works the other way round: carol called alice, and the REFER goes on that call naming the bob call', async () => {
    const toBob = await callThrough(alice, bob, '1002');
    await until(() => pbxCount('active') === 2);
    // carol -> alice: here the PBX is the UAC of alice's dialog, so the Replaces tags swap roles.
    const fromCarol = await callThrough(carol, alice, '1001');
    await until(() => pbxCount('active') === 4);
    const bobConnected = bob.reach('active', toBob.callee);
    const bobHeld = bob.reach('on-hold', toBob.callee);
    await alice.calls.hold(toBob.caller);
    await bobHeld;

    const aliceToBobEnded = alice.reach('terminated', toBob.caller);
    const aliceFromCarolEnded = alice.reach('terminated', fromCarol.callee);
    await alice.calls.attendedTransfer(fromCarol.callee, toBob.caller);
    await Promise.all([aliceToBobEnded, aliceFromCarolEnded]);
    await bobConnected;
    expect(carol.sessions.get(fromCarol.caller)?.state).to.equal('active');
    await until(() => rig.pbxSessions.count() === 2);

    void bob.calls.play(toBob.callee, { kind: 'tone', frequencies: [1400], durationMs: 5000 });
    void carol.calls.play(fromCarol.caller, { kind: 'tone', frequencies: [600], durationMs: 5000 });
    const [atBob, atCarol] = await Promise.all([bob.hears(toBob.callee, [600, 1400]), carol.hears(fromCarol.caller, [600, 1400])]);
    expect(atBob).to.equal(600);
    expect(atCarol).to.equal(1400);

    const bobEnded = bob.reach('terminated', toBob.callee);
    await carol.calls.hangup(fromCarol.caller);
    await bobEnded;
    await until(() => rig.pbxSessions.count() === 0);
  });
});
