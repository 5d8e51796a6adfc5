/**
 * The PBX in one process: a kernel with the shipped core modules routes calls between
 * phone kernels over real UDP and RTP on loopback.
 */
import { expect } from 'chai';
import type { SessionStateChange } from '@rvoip/contracts';
import type { DtmfNotice } from '@rvoip/session';
import { PbxRig } from './helpers.js';
import type { Phone } from './helpers.js';

function nextDtmf(phone: Phone): Promise<DtmfNotice> {
  return new Promise((resolve) => {
    const sub = phone.runtime.events.onDtmf((n) => {
      sub.dispose();
      resolve(n);
    });
  });
}

describe('session/pbx routing between phones', function () {
  this.timeout(60_000);
  const rig = new PbxRig();
  let alice: Phone;
  let bob: Phone;
  let bobRinger: Phone;
  let carol: Phone;

  before(async () => {
    await rig.start();
    alice = await rig.phone('alice');
    bob = await rig.phone('bob');
    bobRinger = await rig.phone('bob-desk', 'ring');
    await rig.register('1001', alice);
    await rig.register('1002', bob);
    await rig.register('1002', bobRinger);
    await rig.register('1004', bobRinger);
    carol = await rig.phone('carol');
    await rig.register('1005', carol);
  });
  after(() => rig.stop());

  it('answers sip:echo and sends the caller its own tone back', async () => {
    const active = alice.reach('active');
    const call = await alice.calls.dial({ to: rig.uri('echo') });
    await active;
    void alice.calls.play(call.id, { kind: 'tone', frequencies: [1000], durationMs: 4000 });
    expect(await alice.hears(call.id, [400, 1000, 1800])).to.equal(1000);
    const ended = alice.reach('terminated', call.id);
    await alice.calls.hangup(call.id);
    await ended;
  });

  it('forks to every contact, bridges the first answer, cancels the other, and carries audio, hold, DTMF and BYE', async () => {
    const ringerCancelled = bobRinger.reach('terminated');
    const bobActive = bob.reach('active');
    const aliceActive = alice.reach('active');
    const call = await alice.calls.dial({ to: rig.uri('1002') });
    const [bobCall] = await Promise.all([bobActive, aliceActive]);
    const cancelled = await ringerCancelled;
    expect(cancelled.session.endReason).to.equal('cancelled');
    expect(bobCall.session.remote.uri).to.contain('alice@');

    void alice.calls.play(call.id, { kind: 'tone', frequencies: [600], durationMs: 5000 });
    void bob.calls.play(bobCall.session.id, { kind: 'tone', frequencies: [1400], durationMs: 5000 });
    const [atBob, atAlice] = await Promise.all([bob.hears(bobCall.session.id, [600, 1400]), alice.hears(call.id, [600, 1400])]);
    expect(atBob).to.equal(600);
    expect(atAlice).to.equal(1400);

    const bobHeld = bob.reach('on-hold', bobCall.session.id);
    await alice.calls.hold(call.id);
    expect((await bobHeld).session.held).to.equal(false); // held by the far end, not by bob
    const bobResumed = bob.reach('active', bobCall.session.id);
    await alice.calls.resume(call.id);
    await bobResumed;

    const rfc = nextDtmf(bob);
    await alice.calls.sendDtmf(call.id, '5');
    expect(await rfc).to.include({ digit: '5', method: 'rfc4733' });
    const info = nextDtmf(alice);
    await bob.calls.sendDtmf(bobCall.session.id, '#', { method: 'info' });
    expect(await info).to.include({ digit: '#', method: 'info' });

    const aliceEnded = alice.reach('terminated', call.id);
    await bob.calls.hangup(bobCall.session.id);
    await aliceEnded;
  });

  it('ends the callee when the caller hangs up right after the answer (BYE on the heels of the ACK)', async () => {
    const bobActive = bob.reach('active');
    const aliceActive = alice.reach('active');
    const call = await alice.calls.dial({ to: rig.uri('1002') });
    await aliceActive;
    await alice.calls.hangup(call.id);
    const bobCall = await bobActive;
    if (bob.sessions.get(bobCall.session.id)) await bob.reach('terminated', bobCall.session.id);
    while (rig.pbxSessions.count() > 0) await new Promise((r) => setTimeout(r, 20));
  });

  it('cancels the forks when the caller hangs up before anyone answers', async () => {
    const ringing = bobRinger.reach('ringing');
    const call = await alice.calls.dial({ to: rig.uri('1004') });
    await ringing;
    const ended = bobRinger.reach('terminated');
    await alice.calls.hangup(call.id);
    expect((await ended).session.endReason).to.equal('cancelled');
  });

  it('rejects a known user without a binding with 480 and an unknown one with 404', async () => {
    const failed = (): Promise<SessionStateChange> => alice.reach('failed');
    let f = failed();
    await alice.calls.dial({ to: rig.uri('1003') });
    expect((await f).session.vars.sipStatus).to.equal(480);
    f = failed();
    await alice.calls.dial({ to: rig.uri('9999') });
    expect((await f).session.vars.sipStatus).to.equal(404);
  });

  it('never forks a call back to the PBX itself (a contact registered with our own address)', async () => {
    await rig.register('1007', { name: 'loop', contact: rig.uri('1007'), port: rig.pbxPort });
    const f = alice.reach('failed');
    await alice.calls.dial({ to: rig.uri('1007') });
    expect((await f).session.vars.sipStatus).to.equal(480);
  });

  it('turns a REFER from the caller into a transfer of the callee to the target user', async () => {
    const bobActive = bob.reach('active');
    const aliceActive = alice.reach('active');
    const call = await alice.calls.dial({ to: rig.uri('1002') });
    const [bobCall] = await Promise.all([bobActive, aliceActive]);
    while (rig.pbxSessions.count({ state: 'active' }) < 2) await new Promise((r) => setTimeout(r, 20));
    const carolActive = carol.reach('active');
    const aliceEnded = alice.reach('terminated', call.id);
    await alice.calls.transfer(call.id, 'sip:1005@pbx.test');
    const carolCall = await carolActive;
    expect((await aliceEnded).session.endReason).to.equal('transferred');
    expect(bob.sessions.get(bobCall.session.id)?.state).to.equal('active');
    void bob.calls.play(bobCall.session.id, { kind: 'tone', frequencies: [1400], durationMs: 5000 });
    void carol.calls.play(carolCall.session.id, { kind: 'tone', frequencies: [600], durationMs: 5000 });
    const [atBob, atCarol] = await Promise.all([bob.hears(bobCall.session.id, [600, 1400]), carol.hears(carolCall.session.id, [600, 1400])]);
    expect(atBob).to.equal(600);
    expect(atCarol).to.equal(1400);
    const carolEnded = carol.reach('terminated', carolCall.session.id);
    await bob.calls.hangup(bobCall.session.id);
    await carolEnded;
  });

  it('transcodes between phones without a common codec (PCMA caller, PCMU-only callee)', async () => {
    const dave = await rig.phone('dave', 'answer', ['pcma']);
    const erin = await rig.phone('erin', 'answer', ['pcmu']);
    await rig.register('1006', erin);
    const erinActive = erin.reach('active');
    const daveActive = dave.reach('active');
    const call = await dave.calls.dial({ to: rig.uri('1006') });
    const [erinCall, daveCall] = await Promise.all([erinActive, daveActive]);
    expect(dave.calls.media(daveCall.session.id).codec?.toUpperCase()).to.equal('PCMA');
    expect(erin.calls.media(erinCall.session.id).codec?.toUpperCase()).to.equal('PCMU');
    void dave.calls.play(call.id, { kind: 'tone', frequencies: [600], durationMs: 5000 });
    void erin.calls.play(erinCall.session.id, { kind: 'tone', frequencies: [1400], durationMs: 5000 });
    const [atErin, atDave] = await Promise.all([erin.hears(erinCall.session.id, [600, 1400]), dave.hears(call.id, [600, 1400])]);
    expect(atErin).to.equal(600);
    expect(atDave).to.equal(1400);
    const erinEnded = erin.reach('terminated', erinCall.session.id);
    await dave.calls.hangup(call.id);
    await erinEnded;
  });

  it('ends live calls with BYE when the PBX stops', async () => {
    const bobActive = bob.reach('active');
    const aliceActive = alice.reach('active');
    const call = await alice.calls.dial({ to: rig.uri('1002') });
    const [bobCall] = await Promise.all([bobActive, aliceActive]);
    // Alice hears the 200 before the PBX has its ACK: wait until the PBX holds both legs up.
    while (rig.pbxSessions.count({ state: 'active' }) < 2) await new Promise((r) => setTimeout(r, 20));
    const aliceEnded = alice.reach('terminated', call.id);
    const bobEnded = bob.reach('terminated', bobCall.session.id);
    await rig.pbx.stop();
    const [a, b] = await Promise.all([aliceEnded, bobEnded]);
    expect(a.cause).to.equal('BYE');
    expect(b.cause).to.equal('BYE');
  });
});
