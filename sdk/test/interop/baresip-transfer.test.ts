import { expect } from 'chai';
import { WavReader, dominantFrequency } from '@rvoip/media';
import { SimplePeer, type Call, type IncomingCall } from '../../src/index.js';
import { Baresip, sleep } from './baresip.js';

/** The strongest of `candidates` in what `call` hears over the next ~1.5 s. */
async function hears(call: Call, candidates: number[]): Promise<number> {
  const frames: Int16Array[] = [];
  for await (const f of call.audio()) {
    frames.push(f);
    if (frames.length >= 75) break;
  }
  return dominantFrequency(Int16Array.from(frames.slice(-40).flatMap((f) => [...f])), 8000, candidates);
}

describe('interop: transfers and early media with baresip and a third party', function () {
  this.timeout(40000);
  let bs: Baresip;
  const peers: SimplePeer[] = [];
  const peer = async (name: string): Promise<SimplePeer> => {
    const p = await SimplePeer.create({ name, port: 0 });
    peers.push(p);
    return p;
  };
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
    await bs?.stop();
  });

  it('blind transfer: the SDK REFERs baresip to a third SDK peer, which then hears baresip', async () => {
    bs = await Baresip.start({ toneHz: 700 });
    const alice = await peer('alice');
    const carol = await peer('carol');
    const carolIncoming = carol.nextIncomingCall();
    const call = await alice.call(bs.uri);
    await call.waitForAnswer(10_000);
    await bs.waitFor('CALL_ESTABLISHED');
    const transferred = call.blindTransfer(carol.address);
    const carolCall = await carolIncoming;
    expect(carolCall.remoteUri).to.contain('baresip');
    await carolCall.accept();
    await transferred;
    expect(call.state).to.equal('terminated');
    expect(call.info.endReason).to.equal('transferred');
    expect(await hears(carolCall, [700, 1000])).to.equal(700);
    await carolCall.hangup();
  });

  it('blind transfer the other way: baresip REFERs the SDK peer to a third SDK peer', async () => {
    bs = await Baresip.start({ toneHz: 700 });
    const alice = await peer('alice');
    const carol = await peer('carol');
    carol.onIncomingCall((c) => void c.accept());
    const call = await alice.call(bs.uri);
    await call.waitForAnswer(10_000);
    await bs.waitFor('CALL_ESTABLISHED');
    const next = new Promise<Call>((resolve) => call.onTransferred(resolve));
    const res = await bs.command('transfer', carol.address);
    expect(res.ok, res.data).to.equal(true);
    const newCall = await next;
    await newCall.waitForAnswer(10_000);
    expect(newCall.remoteUri).to.contain('carol');
    await call.waitForEnd();
    await newCall.hangup();
  });

  // baresip 1.0 cannot be the transferee of an attended transfer: it dials the Refer-To URI
  // verbatim, `?Replaces=` and all, in the Request-URI (answered 400). As the target it
  // answers the INVITE with Replaces as a new call without ending the replaced dialog, so
  // the transferor ends that leg itself after a grace period.
  it('attended transfer: baresip is the target, the transferee sends INVITE with Replaces', async () => {
    bs = await Baresip.start({ toneHz: 700 });
    const alice = await peer('alice');
    const bob = await peer('bob');
    bob.onIncomingCall((c) => void c.accept());
    const toBob = await alice.call(bob.address);
    await toBob.waitForAnswer();
    await toBob.hold();
    const toBaresip = await alice.call(bs.uri);
    await toBaresip.waitForAnswer(10_000);
    await bs.waitFor('CALL_ESTABLISHED');
    const bobFirst = bob.activeCalls[0]!;
    const bobNext = new Promise<Call>((resolve) => bobFirst.onTransferred(resolve));
    await toBob.attendedTransfer(toBaresip);
    const bobNew = await bobNext;
    await bobNew.waitForAnswer(10_000);
    expect(bobNew.remoteUri).to.contain('baresip');
    await toBaresip.waitForEnd();
    await bobFirst.waitForEnd();
    expect(toBob.state).to.equal('terminated');
    expect(await hears(bobNew, [700, 1000])).to.equal(700);
    await bobNew.hangup();
  });

  it('early media: the SDK callee plays a tone in 183 and rejects; baresip heard the tone', async () => {
    bs = await Baresip.start({ toneHz: 700 });
    const alice = await peer('alice');
    alice.onIncomingCall((c: IncomingCall) => {
      void (async () => {
        await c.earlyMedia();
        await c.playTone([900], 2000);
        await c.reject(486);
      })();
    });
    await bs.command('dial', alice.address);
    await bs.waitFor('CALL_PROGRESS');
    await bs.waitFor('CALL_CLOSED', 10_000);
    await sleep(200);
    const heard = WavReader.readMono(bs.dumps('dec')[0]!, 8000);
    expect(dominantFrequency(heard.subarray(Math.floor(heard.length / 3)), 8000, [700, 900])).to.equal(900);
  });
});
