/**
 * Early media through the B2BUA: a callee's 183 with SDP reaches the caller as a 183 with
 * the PBX's anchored SDP, and the callee's early audio is heard before any answer.
 */
import { expect } from 'chai';
import { PbxRig } from './helpers.js';
import type { Phone } from './helpers.js';

describe('session/pbx early media', function () {
  this.timeout(60_000);
  const rig = new PbxRig();
  let alice: Phone;
  let ivr: Phone;

  before(async () => {
    await rig.start();
    alice = await rig.phone('alice');
    ivr = await rig.phone('ivr', 'defer');
    await rig.register('1003', ivr);
  });
  after(() => rig.stop());

  it("relays a callee's 183 with SDP as our own 183 and bridges its early audio to the caller; the answer follows", async () => {
    const incoming = ivr.reach('ringing');
    const aliceEarly = alice.reach('early-media');
    const call = await alice.calls.dial({ to: rig.uri('1003') });
    const ivrCall = (await incoming).session.id;
    await ivr.calls.ring(ivrCall, { earlyMedia: true });
    void ivr.calls.play(ivrCall, { kind: 'tone', frequencies: [1400], durationMs: 8000 });

    const early = await aliceEarly;
    expect(early.session.id).to.equal(call.id);
    expect(early.cause).to.match(/^183 /);
    // The 183 came from the PBX's own leg to the caller (anchored media), not straight from the callee.
    const pbxCaller = rig.pbxSessions.list().find((s) => s.direction === 'inbound' && s.state === 'early-media');
    expect(pbxCaller, 'the PBX leg to the caller is in early media').to.not.equal(undefined);
    expect(await alice.hears(call.id, [600, 1400])).to.equal(1400);
    expect(alice.sessions.get(call.id)?.state).to.equal('early-media');

    const aliceActive = alice.reach('active', call.id);
    await ivr.calls.answer(ivrCall);
    await aliceActive;
    void alice.calls.play(call.id, { kind: 'tone', frequencies: [600], durationMs: 5000 });
    expect(await ivr.hears(ivrCall, [600, 1400])).to.equal(600);

    const ivrEnded = ivr.reach('terminated', ivrCall);
    await alice.calls.hangup(call.id);
    await ivrEnded;
  });

  it('ends the early bridge and relays the failure when the callee rejects after early media', async () => {
    const incoming = ivr.reach('ringing');
    const aliceEarly = alice.reach('early-media');
    const call = await alice.calls.dial({ to: rig.uri('1003') });
    const ivrCall = (await incoming).session.id;
    await ivr.calls.ring(ivrCall, { earlyMedia: true });
    await aliceEarly;
    const failed = alice.reach('failed', call.id);
    await ivr.calls.reject(ivrCall, 486, 'Busy Here');
    expect((await failed).session.vars.sipStatus).to.equal(486);
    while (rig.pbxSessions.count() > 0) await new Promise((r) => setTimeout(r, 20));
  });
});
