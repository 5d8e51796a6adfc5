import { expect } from 'chai';
import { WavReader, dominantFrequency } from '@rvoip/media';
import { SimplePeer, type Call } from '../../src/index.js';
import { Baresip, sleep } from './baresip.js';

/** Collects what `call` hears for `ms` and returns the dominant frequency among `candidates`. */
async function heardTone(call: Call, ms: number, candidates: number[]): Promise<number> {
  const frames: Int16Array[] = [];
  const done = sleep(ms);
  const it = call.audio()[Symbol.asyncIterator]();
  let finished = false;
  void done.then(() => { finished = true; });
  while (!finished) {
    const r = await Promise.race([it.next(), done.then(() => undefined)]);
    if (!r || r.done) break;
    frames.push(r.value);
  }
  const pcm = Int16Array.from(frames.slice(-50).flatMap((f) => [...f]));
  return pcm.length ? dominantFrequency(pcm, 8000, candidates) : 0;
}

describe('interop: SimplePeer <-> baresip (basic call, audio both ways)', function () {
  this.timeout(40000);
  let bs: Baresip;
  let peer: SimplePeer;
  afterEach(async () => {
    await peer?.close();
    await bs?.stop();
  });

  it('SDK peer calls baresip: audio verified both ways by tone frequency', async () => {
    bs = await Baresip.start({ toneHz: 700, answer: 'auto' });
    peer = await SimplePeer.create({ name: 'sdk', port: 0 });
    const call = await peer.call(bs.uri);
    await call.waitForAnswer(10_000);
    await bs.waitFor('CALL_ESTABLISHED');
    const tone = call.playTone([1100], 3000);
    expect(await heardTone(call, 2500, [700, 1100])).to.equal(700);
    await tone;
    await call.hangup();
    await bs.waitFor('CALL_CLOSED');
    const dec = bs.dumps('dec');
    expect(dec, bs.log).to.have.length.greaterThan(0);
    const heard = WavReader.readMono(dec[0]!, 8000);
    expect(dominantFrequency(heard.subarray(Math.floor(heard.length / 3)), 8000, [700, 1100])).to.equal(1100);
  });

  it('baresip calls the SDK peer: audio verified both ways by tone frequency', async () => {
    bs = await Baresip.start({ toneHz: 600 });
    peer = await SimplePeer.create({ name: 'sdk', port: 0 });
    const incoming = peer.nextIncomingCall();
    await bs.command('dial', peer.address);
    const call = await incoming;
    expect(call.remoteUri).to.contain('baresip');
    await call.accept();
    await bs.waitFor('CALL_ESTABLISHED');
    const tone = call.playTone([1300], 3000);
    expect(await heardTone(call, 2500, [600, 1300])).to.equal(600);
    await tone;
    await bs.command('hangup');
    await call.waitForEnd();
    const heard = WavReader.readMono(bs.dumps('dec')[0]!, 8000);
    expect(dominantFrequency(heard.subarray(Math.floor(heard.length / 3)), 8000, [600, 1300])).to.equal(1300);
  });
});
