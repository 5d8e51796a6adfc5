import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToneGenerator, WavReader, WavWriter, dominantFrequency, goertzelPower } from '@rvoip/media';
import { SimplePeer, type Call } from '../../src/index.js';

/** Sends `ms` of a tone as 20 ms frames, paced in real time, through the SDK. */
async function sendTone(call: Call, hz: number, ms: number): Promise<void> {
  const gen = new ToneGenerator(call.sampleRate, { frequencies: [hz] });
  const samples = call.sampleRate / 50;
  for (let t = 0; t < ms; t += 20) {
    call.sendAudio(gen.next(samples));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Writes what `call` hears to a WAV file until `frames` frames were written. */
async function recordHeard(call: Call, path: string, frames: number): Promise<void> {
  const wav = await WavWriter.create(path, { sampleRate: call.sampleRate });
  let n = 0;
  for await (const frame of call.audio()) {
    wav.write(frame);
    if (++n >= frames) break;
  }
  await wav.close();
}

describe('SimplePeer: two peers on loopback (the seed success test)', function () {
  this.timeout(30000);
  let dir: string;
  let alice: SimplePeer;
  let bob: SimplePeer;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rvoip-peers-'));
    alice = await SimplePeer.create({ name: 'alice', port: 0 });
    bob = await SimplePeer.create({ name: 'bob', port: 0 });
  });
  afterEach(async () => {
    await alice.close();
    await bob.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('calls, exchanges tones both ways, and each WAV holds the other side\'s tone', async () => {
    bob.onIncomingCall((incoming) => void incoming.accept());
    const call = await alice.call(bob.address);
    await call.waitForAnswer();
    const bobCall = bob.activeCalls[0]!;
    await bobCall.waitForAnswer();
    expect(call.remoteUri).to.contain('bob');
    expect(bobCall.remoteUri).to.contain('alice');

    const aliceWav = join(dir, 'alice-heard.wav');
    const bobWav = join(dir, 'bob-heard.wav');
    // 75 frames = 1.5 s heard on each side while both send 3 s of tone.
    const heard = Promise.all([recordHeard(call, aliceWav, 75), recordHeard(bobCall, bobWav, 75)]);
    await Promise.all([sendTone(call, 440, 3000), sendTone(bobCall, 1000, 3000), heard]);

    const aliceHeard = WavReader.readMono(aliceWav, 8000).subarray(-4000);
    const bobHeard = WavReader.readMono(bobWav, 8000).subarray(-4000);
    expect(dominantFrequency(aliceHeard, 8000, [440, 1000])).to.equal(1000);
    expect(dominantFrequency(bobHeard, 8000, [440, 1000])).to.equal(440);
    expect(goertzelPower(bobHeard, 8000, 440)).to.be.greaterThan(100 * goertzelPower(bobHeard, 8000, 1000));
    expect(goertzelPower(aliceHeard, 8000, 1000)).to.be.greaterThan(100 * goertzelPower(aliceHeard, 8000, 440));

    await call.hangup();
    await bobCall.waitForEnd();
    expect(alice.activeCalls).to.have.length(0);
    expect(bob.activeCalls).to.have.length(0);
    expect(call.duration).to.be.greaterThan(0);
  });

  it('answers with the async iterator and records both directions with startRecording', async () => {
    void (async () => {
      for await (const incoming of bob.incomingCalls()) await incoming.accept();
    })();
    const call = await alice.call(bob.address);
    await call.waitForAnswer();
    const bobCall = bob.activeCalls[0]!;
    const recording = await bobCall.startRecording(join(dir, 'bob-both.wav'));
    await Promise.all([call.playTone([700], 1500), bobCall.playTone([1300], 1500)]);
    await recording.stop();
    const wav = WavReader.read(join(dir, 'bob-both.wav'));
    expect(wav.channels).to.equal(2);
    const left = new Int16Array(wav.samples.length / 2);
    for (let i = 0; i < left.length; i++) left[i] = wav.samples[2 * i]!;
    // Left is what bob received: alice's 700 Hz.
    expect(dominantFrequency(left.subarray(-4000), wav.sampleRate, [700, 1300])).to.equal(700);
    await bob.hangupAll();
    await call.waitForEnd();
  });
});
