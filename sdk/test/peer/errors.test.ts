import { expect } from 'chai';
import { Decision } from '@rvoip/contracts';
import { dominantFrequency } from '@rvoip/media';
import { CallRejectedError, CallTimeoutError, SimplePeer, UnknownTargetError, type IncomingCall } from '../../src/index.js';

describe('SimplePeer: typed errors and call control', function () {
  this.timeout(20000);
  const peers: SimplePeer[] = [];
  const peer = async (name: string, extra: Partial<Parameters<typeof SimplePeer.create>[0] & object> = {}): Promise<SimplePeer> => {
    const p = await SimplePeer.create({ name, port: 0, ...extra });
    peers.push(p);
    return p;
  };
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });

  it('refuses a target without a host with UnknownTargetError', async () => {
    const alice = await peer('alice');
    const err = await alice.call('bob').then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(UnknownTargetError);
    expect((err as Error).message).to.equal('Cannot call "bob": expected user@host[:port] or a sip: URI');
  });

  it('reports an unresolvable host as UnknownTargetError from waitForAnswer', async () => {
    const alice = await peer('alice');
    const call = await alice.call('bob@no-such-host.invalid');
    const err = await call.waitForAnswer().then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(UnknownTargetError);
    expect((err as Error).message).to.match(/^Cannot call "sip:bob@no-such-host\.invalid": /);
  });

  it('reports a rejection as CallRejectedError with the SIP code', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    bob.onIncomingCall((c) => void c.reject(486));
    const call = await alice.call(bob.address);
    const err = await call.waitForAnswer().then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(CallRejectedError);
    expect((err as CallRejectedError).status).to.equal(486);
    expect((err as Error).message).to.match(/^Call to sip:bob@127\.0\.0\.1:\d+ was rejected with 486 /);
  });

  it('a peer-level decide() can reject before the app sees the call', async () => {
    const alice = await peer('alice');
    await peer('bob');
    const busy = await peer('busy', { decide: () => Decision.reject(600, 'Busy Everywhere') });
    const call = await alice.call(busy.address);
    const err = await call.waitForAnswer().then(() => undefined, (e: unknown) => e as CallRejectedError);
    expect(err?.status).to.equal(600);
  });

  it('times out waitForAnswer with CallTimeoutError and cancels the call', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const ringing = bob.nextIncomingCall();
    const call = await alice.call(bob.address);
    const err = await call.waitForAnswer(300).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(CallTimeoutError);
    const incoming: IncomingCall = await ringing;
    await incoming.waitForEnd();
    expect(incoming.state).to.equal('terminated');
    await call.waitForEnd();
  });

  it('holds, resumes, mutes, sends DTMF both ways and finds calls', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob', { autoAnswer: true });
    const call = await alice.call(bob.address);
    await call.waitForAnswer();
    const bobCall = bob.activeCalls[0]!;
    await bobCall.waitForAnswer();
    expect(alice.findCall(call.callId)).to.equal(call);
    const states: string[] = [];
    bobCall.onState((s) => states.push(s));
    await call.hold();
    await call.resume();
    await bobCall.hold();
    await bobCall.resume();
    expect(states).to.deep.equal(['on-hold', 'active', 'on-hold', 'resuming', 'active']);
    const bobDigits: string[] = [];
    const aliceDigits: string[] = [];
    bobCall.onDtmf((d) => bobDigits.push(d.digit));
    call.onDtmf((d) => aliceDigits.push(d.digit));
    await call.sendDtmf('123', { durationMs: 80 });
    await bobCall.sendDtmf('#', { method: 'info' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bobDigits).to.deep.equal(['1', '2', '3']);
    expect(aliceDigits).to.deep.equal(['#']);
    call.mute();
    const sent = call.stats().packetsSent;
    await call.playTone([500], 300);
    call.sendAudio(new Int16Array(160));
    expect(call.stats().packetsSent).to.equal(sent);
    call.unmute();
    await call.playTone([500], 300);
    expect(call.stats().packetsSent).to.be.greaterThan(sent);
    await alice.hangupAll();
    await bobCall.waitForEnd();
  });

  it('early media: the callee sends 183 with SDP and the caller hears it before the answer', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    bob.onIncomingCall((c) => {
      void (async () => {
        await c.earlyMedia();
        await c.playTone([900], 800);
        await c.accept();
      })();
    });
    const call = await alice.call(bob.address);
    const states: string[] = [];
    call.onState((s) => states.push(s));
    const early: Int16Array[] = [];
    void (async () => {
      for await (const frame of call.audio()) {
        if (call.state === 'active') break;
        early.push(frame);
      }
    })();
    await call.waitForAnswer();
    expect(states).to.deep.equal(['ringing', 'early-media', 'active']);
    const pcm = Int16Array.from(early.slice(-20).flatMap((f) => [...f]));
    expect(pcm.length).to.be.greaterThan(1600);
    expect(dominantFrequency(pcm, 8000, [440, 900, 1400])).to.equal(900);
    await call.hangup();
  });
});
