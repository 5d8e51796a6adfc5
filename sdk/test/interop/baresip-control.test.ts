import { expect } from 'chai';
import { SimplePeer, type Call } from '../../src/index.js';
import { Baresip, sleep } from './baresip.js';

async function connected(bs: Baresip, peer: SimplePeer): Promise<Call> {
  const call = await peer.call(bs.uri);
  await call.waitForAnswer(10_000);
  await bs.waitFor('CALL_ESTABLISHED');
  return call;
}

describe('interop: SimplePeer <-> baresip (call control)', function () {
  this.timeout(40000);
  let bs: Baresip;
  let peer: SimplePeer;
  afterEach(async () => {
    await peer?.close();
    await bs?.stop();
  });

  it('CANCEL before answer: baresip rings, the SDK peer hangs up, baresip closes the call', async () => {
    bs = await Baresip.start({ toneHz: 700, answer: 'manual' });
    peer = await SimplePeer.create({ name: 'sdk', port: 0 });
    const call = await peer.call(bs.uri);
    await bs.waitFor('CALL_INCOMING');
    await sleep(200);
    await call.hangup();
    expect(call.state).to.equal('terminated');
    expect(call.info.endReason).to.equal('cancelled');
    await bs.waitFor('CALL_CLOSED');
  });

  it('CANCEL from baresip before the SDK answers ends the incoming call', async () => {
    bs = await Baresip.start({ toneHz: 700 });
    peer = await SimplePeer.create({ name: 'sdk', port: 0 });
    const incoming = peer.nextIncomingCall();
    await bs.command('dial', peer.address);
    const call = await incoming;
    await bs.command('hangup');
    await call.waitForEnd();
    expect(call.info.endReason).to.equal('cancelled');
  });

  it('hold and resume from the SDK side: baresip sees the re-INVITEs', async () => {
    bs = await Baresip.start({ toneHz: 700 });
    peer = await SimplePeer.create({ name: 'sdk', port: 0 });
    const call = await connected(bs, peer);
    await call.hold();
    expect(call.state).to.equal('on-hold');
    await call.resume();
    expect(call.state).to.equal('active');
    await call.hangup();
    await bs.waitFor('CALL_CLOSED');
  });

  it('hold and resume from the baresip side: the SDK call follows', async () => {
    bs = await Baresip.start({ toneHz: 700 });
    peer = await SimplePeer.create({ name: 'sdk', port: 0 });
    const call = await connected(bs, peer);
    const states: string[] = [];
    call.onState((s) => states.push(s));
    await bs.keys('x');
    for (let i = 0; i < 50 && call.state !== 'on-hold'; i++) await sleep(100);
    expect(call.state).to.equal('on-hold');
    // Held by the peer (it offered sendonly, we answered recvonly): our tone must not go out.
    const sentBefore = call.stats().packetsSent;
    await call.playTone([900], 400);
    expect(call.stats().packetsSent).to.equal(sentBefore);
    await bs.keys('X');
    for (let i = 0; i < 50 && call.state !== 'active'; i++) await sleep(100);
    expect(states).to.deep.equal(['on-hold', 'active']);
    await call.playTone([900], 400);
    expect(call.stats().packetsSent).to.be.greaterThan(sentBefore + 10);
    await call.hangup();
  });

  it('DTMF both ways: RFC 4733 from the SDK to baresip, and from baresip to the SDK', async () => {
    bs = await Baresip.start({ toneHz: 700 });
    peer = await SimplePeer.create({ name: 'sdk', port: 0 });
    const call = await connected(bs, peer);
    const got: string[] = [];
    call.onDtmf((d) => got.push(d.digit));
    for (const digit of ['4', '2', '#']) {
      await bs.command('sndcode', digit);
      await sleep(400);
    }
    for (let i = 0; i < 30 && got.length < 3; i++) await sleep(100);
    expect(got).to.deep.equal(['4', '2', '#']);
    await call.sendDtmf('19', { durationMs: 120 });
    await bs.waitFor('CALL_DTMF_START', 5000, (e) => e.param === '9');
    const keys = bs.events.filter((e) => e.type === 'CALL_DTMF_START').map((e) => e.param);
    expect(keys).to.deep.equal(['1', '9']);
    await call.sendDtmf('7', { method: 'info' });
    for (let i = 0; i < 30 && !bs.log.includes("received DTMF: '7'"); i++) await sleep(100);
    expect(bs.log).to.contain("call: received DTMF: '7'");
    await call.hangup();
  });

  // baresip 1.0 in answermode early sends 183 with SDP but starts no RTP before the answer,
  // so only the signalling side can be checked here (early audio is covered SDK to SDK).
  it('early media from baresip (answermode early): 183 with SDP puts the SDK call in early-media', async () => {
    bs = await Baresip.start({ toneHz: 650, answer: 'early' });
    peer = await SimplePeer.create({ name: 'sdk', port: 0 });
    const call = await peer.call(bs.uri);
    for (let i = 0; i < 50 && call.state !== 'early-media'; i++) await sleep(100);
    expect(call.state).to.equal('early-media');
    expect(call.codec).to.equal('PCMU');
    await call.hangup();
    expect(call.info.endReason).to.equal('cancelled');
    await bs.waitFor('CALL_CLOSED');
  });
});
