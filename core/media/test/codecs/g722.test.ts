import { expect } from 'chai';
import { g722 } from '../../src/codecs/g722.js';
import { frameSamples, frameTimestampStep } from '../../src/codecs/types.js';
import { ToneGenerator } from '../../src/dsp/tone-generator.js';
import { bestLag, rms, snrDb } from '../../src/dsp/levels.js';
import { peakFrequency } from '../../src/dsp/goertzel.js';

function roundTrip(pcm: Int16Array): Int16Array {
  const enc = g722.createEncoder();
  const dec = g722.createDecoder();
  const out = new Int16Array(pcm.length);
  for (let i = 0; i < pcm.length; i += 320) {
    const payload = enc.encode(pcm.subarray(i, i + 320));
    expect(payload.length).to.equal(160);
    out.set(dec.decode(payload), i);
  }
  return out;
}

describe('G.722 (64 kbit/s SB-ADPCM)', () => {
  it('describes the RFC 3551 clock quirk: 16 kHz PCM, 8 kHz RTP clock', () => {
    expect(g722.payloadType).to.equal(9);
    expect(g722.sampleRate).to.equal(16000);
    expect(g722.clockRate).to.equal(8000);
    expect(frameSamples(g722)).to.equal(320);
    expect(frameTimestampStep(g722)).to.equal(160);
  });

  it('keeps a 1 kHz tone at its frequency with SNR above 30 dB once the predictor has adapted', () => {
    const tone = ToneGenerator.render(16000, { frequencies: [1004], amplitude: 10000 }, 1000);
    const out = roundTrip(tone);
    // Skip the first 100 ms: ADPCM step sizes start small and adapt.
    const ref = tone.subarray(1600);
    const act = out.subarray(1600);
    // The QMF analysis + synthesis pair delays the signal by 22 samples.
    expect(bestLag(ref, act, 40) % 16).to.equal(22 % 16);
    expect(snrDb(ref, act, 40)).to.be.greaterThan(30);
    expect(peakFrequency(act, 16000, 100, 7900, 2)).to.be.closeTo(1004, 2);
  });

  it('carries wideband content: a 5 kHz tone (beyond narrowband) survives in the upper band', () => {
    const tone = ToneGenerator.render(16000, { frequencies: [5000], amplitude: 8000 }, 1000);
    const out = roundTrip(tone);
    expect(snrDb(tone.subarray(1600), out.subarray(1600), 40)).to.be.greaterThan(15);
    expect(peakFrequency(out.subarray(1600), 16000, 100, 7900, 5)).to.equal(5000);
  });

  it('keeps a dual tone (speech-band mixture) above 20 dB SNR', () => {
    const tone = ToneGenerator.render(16000, { frequencies: [697, 1633], amplitude: 7000 }, 1000);
    const out = roundTrip(tone);
    expect(snrDb(tone.subarray(1600), out.subarray(1600), 40)).to.be.greaterThan(20);
  });

  it('decodes silence to near-silence and rejects odd sample counts', () => {
    const out = roundTrip(new Int16Array(3200));
    expect(Math.max(...out.map(Math.abs))).to.be.at.most(8);
    expect(() => g722.createEncoder().encode(new Int16Array(3))).to.throw(/even sample count/);
  });

  it('conceals a lost frame with the right length', () => {
    const dec = g722.createDecoder();
    const enc = g722.createEncoder();
    const gen = new ToneGenerator(16000, { frequencies: [440], amplitude: 8000 });
    for (let i = 0; i < 5; i++) dec.decode(enc.encode(gen.next(320)));
    const c = dec.conceal(320);
    expect(c.length).to.equal(320);
    expect(peakFrequency(c, 16000, 100, 2000, 5)).to.be.closeTo(440, 10);
  });

  it('re-trains the ADPCM state through a lost frame so decoding recovers quickly', () => {
    const gen = new ToneGenerator(16000, { frequencies: [440, 1300], amplitude: 6000 });
    const frames = Array.from({ length: 20 }, () => gen.next(320));
    const enc = g722.createEncoder();
    const packets = frames.map((f) => enc.encode(f));
    const clean = g722.createDecoder();
    const lossy = g722.createDecoder();
    const snr: number[] = [];
    const levelRatio: number[] = [];
    packets.forEach((p, k) => {
      const ref = clean.decode(p);
      const got = k === 10 ? lossy.conceal(320) : lossy.decode(p);
      snr.push(snrDb(ref, got));
      levelRatio.push(rms(got) / rms(ref));
    });
    // A two-tone mix is not one pitch period, so the concealed frame only keeps the level.
    expect(levelRatio[10]).to.be.within(0.5, 2);
    // Without re-training the stale predictor leaves frames 12 and 13 near 12-13 dB.
    expect(snr[12]).to.be.greaterThan(15);
    expect(snr[13]).to.be.greaterThan(15);
    expect(Math.min(...snr.slice(15))).to.be.greaterThan(20);
  });
});
