/**
 * The PBX with direct media: both dialogs still end on the B2BUA, but each phone gets the
 * other's SDP, so RTP flows phone to phone. The phones' RTP ports (40002-60000) are
 * outside the PBX's (20000-40000), which tells where each side sends its audio.
 */
import { expect } from 'chai';
import { PbxRig } from './helpers.js';
import type { Phone } from './helpers.js';

function audioPort(sdp: string): number {
  return Number(/^m=audio (\d+)/m.exec(sdp)?.[1]);
}

describe('session/pbx direct media', function () {
  this.timeout(60_000);
  const rig = new PbxRig();
  let alice: Phone;
  let bob: Phone;
  let ivr: Phone;

  before(async () => {
    await rig.start('silent', { media: 'direct' });
    alice = await rig.phone('alice');
    bob = await rig.phone('bob');
    ivr = await rig.phone('ivr', 'defer');
    await rig.register('1002', bob);
    await rig.register('1003', ivr);
  });
  after(() => rig.stop());

  it('hands each phone the other one\'s SDP; audio both ways, hold relayed, BYE ends both', async () => {
    const bobActive = bob.reach('active');
    const aliceActive = alice.reach('active');
    const call = await alice.calls.dial({ to: rig.uri('1002') });
    const [bobCall] = await Promise.all([bobActive, aliceActive]);

    const aliceSees = audioPort(alice.runtime.registry.dialogOf(call.id)!.remoteDescription.toString());
    expect(aliceSees, 'alice sends RTP to a phone port, not a PBX port').to.be.at.least(40002);

    void alice.calls.play(call.id, { kind: 'tone', frequencies: [600], durationMs: 5000 });
    void bob.calls.play(bobCall.session.id, { kind: 'tone', frequencies: [1400], durationMs: 5000 });
    const [atBob, atAlice] = await Promise.all([bob.hears(bobCall.session.id, [600, 1400]), alice.hears(call.id, [600, 1400])]);
    expect(atBob).to.equal(600);
    expect(atAlice).to.equal(1400);

    const bobHeld = bob.reach('on-hold', bobCall.session.id);
    await alice.calls.hold(call.id);
    await bobHeld;
    const bobResumed = bob.reach('active', bobCall.session.id);
    await alice.calls.resume(call.id);
    await bobResumed;

    const info = new Promise<string>((resolve) => {
      const sub = bob.runtime.events.onDtmf((n) => { sub.dispose(); resolve(`${n.digit}/${n.method}`); });
    });
    await alice.calls.sendDtmf(call.id, '7', { method: 'info' });
    expect(await info).to.equal('7/info');

    const aliceEnded = alice.reach('terminated', call.id);
    await bob.calls.hangup(bobCall.session.id);
    await aliceEnded;
  });

  it("relays a single callee's early media: the caller's 183 carries the callee's SDP and its tone flows phone to phone", async () => {
    const incoming = ivr.reach('ringing');
    const aliceEarly = alice.reach('early-media');
    const call = await alice.calls.dial({ to: rig.uri('1003') });
    const ivrCall = (await incoming).session.id;
    await ivr.calls.ring(ivrCall, { earlyMedia: true });
    void ivr.calls.play(ivrCall, { kind: 'tone', frequencies: [1400], durationMs: 8000 });
    expect((await aliceEarly).cause).to.match(/^183 /);
    expect(await alice.hears(call.id, [600, 1400])).to.equal(1400);

    const aliceActive = alice.reach('active', call.id);
    await ivr.calls.answer(ivrCall);
    await aliceActive;
    const aliceSees = audioPort(alice.runtime.registry.dialogOf(call.id)!.remoteDescription.toString());
    expect(aliceSees, 'the 183 and the 200 carried a phone port, not a PBX port').to.be.at.least(40002);
    void alice.calls.play(call.id, { kind: 'tone', frequencies: [600], durationMs: 5000 });
    expect(await ivr.hears(ivrCall, [600, 1400])).to.equal(600);

    const ivrEnded = ivr.reach('terminated', ivrCall);
    await alice.calls.hangup(call.id);
    await ivrEnded;
  });
});
