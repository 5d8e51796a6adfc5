/**
 * The session layer's bridge on engine legs: a PBX call between phones with a common codec
 * relays RTP payloads (media-engine passthrough), one without transcodes; either way each
 * RFC 4733 key press reaches the far phone exactly once, although the PBX also re-sends
 * the digits it is told about.
 */
import { expect } from 'chai';
import { CallController } from '@rvoip/contracts';
import type { SessionId } from '@rvoip/contracts';
import type { MediaSession } from '@rvoip/media';
import type { DefaultCallController } from '@rvoip/session';
import { PbxRig } from '../pbx/helpers.js';
import type { Phone } from '../pbx/helpers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('session bridge over media-engine legs (PBX, anchored media)', function () {
  this.timeout(60_000);
  const rig = new PbxRig();
  before(() => rig.start());
  after(() => rig.stop());

  /** The core/media session behind one of the PBX's legs (the adapter keeps it private). */
  function engineSession(id: SessionId): MediaSession {
    return (rig.pbx.get<DefaultCallController>(CallController).media(id) as unknown as { session: MediaSession }).session;
  }

  async function callBetween(caller: Phone, callee: Phone, user: string): Promise<{ callerId: SessionId; calleeId: SessionId; pbxLegs: MediaSession[] }> {
    await rig.register(user, callee);
    const earlier = new Set(rig.pbxSessions.list().map((s) => s.id));
    const fresh = () => rig.pbxSessions.list({ state: 'active' }).filter((s) => !earlier.has(s.id));
    const calleeActive = callee.reach('active');
    const callerActive = caller.reach('active');
    const call = await caller.calls.dial({ to: rig.uri(user) });
    const [calleeCall] = await Promise.all([calleeActive, callerActive]);
    while (fresh().length < 2) await sleep(20);
    const pbxLegs = fresh().map((s) => engineSession(s.id));
    while (!pbxLegs[0]!.bridge) await sleep(20);
    return { callerId: call.id, calleeId: calleeCall.session.id, pbxLegs };
  }

  async function digitsAt(callee: Phone, send: () => Promise<void>, expected: number): Promise<string[]> {
    const got: string[] = [];
    const sub = callee.runtime.events.onDtmf((n) => got.push(`${n.digit}/${n.method}`));
    try {
      await send();
      for (let i = 0; i < 200 && got.length < expected; i++) await sleep(20);
      // Long enough for a duplicate (the PBX's re-send) to show up if there were one.
      await sleep(800);
      return got;
    } finally {
      sub.dispose();
    }
  }

  it('relays payloads when both phones use the same codec; audio both ways, each digit once', async () => {
    const alice = await rig.phone('alice');
    const bob = await rig.phone('bob');
    const { callerId, calleeId, pbxLegs } = await callBetween(alice, bob, '1001');
    expect(pbxLegs.map((s) => s.bridge?.mode)).to.deep.equal(['passthrough', 'passthrough']);
    expect(pbxLegs[0]!.bridge).to.equal(pbxLegs[1]!.bridge);
    void alice.calls.play(callerId, { kind: 'tone', frequencies: [600], durationMs: 5000 });
    void bob.calls.play(calleeId, { kind: 'tone', frequencies: [1400], durationMs: 5000 });
    const [atBob, atAlice] = await Promise.all([bob.hears(calleeId, [600, 1400]), alice.hears(callerId, [600, 1400])]);
    expect(atBob).to.equal(600);
    expect(atAlice).to.equal(1400);
    const relayed = pbxLegs[0]!.bridge!.stats();
    expect(relayed.forward.relayed + relayed.backward.relayed).to.be.greaterThan(50);
    expect(await digitsAt(bob, () => alice.calls.sendDtmf(callerId, '58', { durationMs: 100, gapMs: 100 }), 2)).to.deep.equal(['5/rfc4733', '8/rfc4733']);
    const ended = bob.reach('terminated', calleeId);
    await alice.calls.hangup(callerId);
    await ended;
  });

  it('transcodes when the phones have no codec in common; each digit once', async () => {
    const dave = await rig.phone('dave', 'answer', ['pcma']);
    const erin = await rig.phone('erin', 'answer', ['pcmu']);
    const { callerId, calleeId, pbxLegs } = await callBetween(dave, erin, '1006');
    expect(pbxLegs.map((s) => s.bridge?.mode)).to.deep.equal(['transcode', 'transcode']);
    void dave.calls.play(callerId, { kind: 'tone', frequencies: [600], durationMs: 5000 });
    expect(await erin.hears(calleeId, [600, 1400])).to.equal(600);
    expect(await digitsAt(erin, () => dave.calls.sendDtmf(callerId, '3', { durationMs: 100 }), 1)).to.deep.equal(['3/rfc4733']);
    const ended = erin.reach('terminated', calleeId);
    await dave.calls.hangup(callerId);
    await ended;
  });
});
