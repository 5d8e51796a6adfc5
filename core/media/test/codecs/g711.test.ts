import { expect } from 'chai';
import { pcma, pcmu, ulawDecode, alawDecode } from '../../src/codecs/g711.js';
import { ToneGenerator } from '../../src/dsp/tone-generator.js';
import { snrDb } from '../../src/dsp/levels.js';
import { peakFrequency } from '../../src/dsp/goertzel.js';
import type { AudioCodec } from '../../src/codecs/types.js';

function roundTrip(codec: AudioCodec, pcm: Int16Array): Int16Array {
  const enc = codec.createEncoder();
  const dec = codec.createDecoder();
  const out = new Int16Array(pcm.length);
  for (let i = 0; i < pcm.length; i += 160) out.set(dec.decode(enc.encode(pcm.subarray(i, i + 160))), i);
  return out;
}

describe('G.711', () => {
  for (const codec of [pcmu, pcma]) {
    describe(codec.name, () => {
      it('keeps a -10 dBFS 1004 Hz tone above 35 dB SNR (companding gives ~38 dB)', () => {
        // 1004 Hz (ITU-T O.133 test tone) so samples do not repeat every period.
        const tone = ToneGenerator.render(8000, { frequencies: [1004], amplitude: 10362 }, 1000);
        const out = roundTrip(codec, tone);
        expect(snrDb(tone, out)).to.be.greaterThan(35);
        expect(peakFrequency(out, 8000, 300, 3400, 2)).to.be.closeTo(1004, 2);
      });

      it('keeps SNR roughly level-independent across 30 dB (the point of companding)', () => {
        const loud = roundTrip(codec, ToneGenerator.render(8000, { frequencies: [1004], amplitude: 16000 }, 500));
        const quiet = roundTrip(codec, ToneGenerator.render(8000, { frequencies: [1004], amplitude: 506 }, 500));
        const refLoud = ToneGenerator.render(8000, { frequencies: [1004], amplitude: 16000 }, 500);
        const refQuiet = ToneGenerator.render(8000, { frequencies: [1004], amplitude: 506 }, 500);
        expect(snrDb(refLoud, loud)).to.be.greaterThan(35);
        expect(snrDb(refQuiet, quiet)).to.be.greaterThan(30);
      });

      it('encodes one octet per sample and bounds the error by half a segment step', () => {
        const ramp = new Int16Array(65536);
        for (let i = 0; i < ramp.length; i++) ramp[i] = i - 32768;
        const enc = codec.createEncoder().encode(ramp);
        expect(enc.length).to.equal(ramp.length);
        const dec = codec.createDecoder().decode(enc);
        for (let i = 0; i < ramp.length; i++) {
          const v = Math.abs(ramp[i]);
          // Largest step in 16-bit units is 1024 (A-law seg 7 and mu-law seg 7): error <= 512 (+clip margin).
          const bound = v > 32000 ? 800 : Math.max(16, v / 16);
          expect(Math.abs(dec[i] - ramp[i]), `sample ${ramp[i]}`).to.be.at.most(bound);
        }
      });
    });
  }

  it('decodes the silence codes and extremes to the reference values', () => {
    expect(ulawDecode(0xff)).to.equal(0);
    expect(ulawDecode(0x7f)).to.equal(0);
    expect(ulawDecode(0x00)).to.equal(-32124);
    expect(ulawDecode(0x80)).to.equal(32124);
    expect(alawDecode(0xd5)).to.equal(8);
    expect(alawDecode(0x55)).to.equal(-8);
    expect(alawDecode(0xaa)).to.equal(32256);
    expect(alawDecode(0x2a)).to.equal(-32256);
  });

  it('encodes digital silence to the idle codes 0xFF (mu-law) and 0xD5 (A-law)', () => {
    const silence = new Int16Array(160);
    expect([...pcmu.createEncoder().encode(silence)].every((b) => b === 0xff)).to.equal(true);
    expect([...pcma.createEncoder().encode(silence)].every((b) => b === 0xd5)).to.equal(true);
  });

  it('conceals a lost frame by repeating the last pitch period, then fades to silence', () => {
    const dec = pcmu.createDecoder();
    const enc = pcmu.createEncoder();
    const tone = new ToneGenerator(8000, { frequencies: [200], amplitude: 8000 });
    for (let i = 0; i < 5; i++) dec.decode(enc.encode(tone.next(160)));
    const expected = tone.next(160);
    const concealed = dec.conceal(160);
    expect(concealed.length).to.equal(160);
    // The first 10 ms are unattenuated repetition: close to the true continuation.
    expect(snrDb(expected.subarray(0, 80), concealed.subarray(0, 80))).to.be.greaterThan(15);
    let last: Int16Array = concealed;
    for (let i = 0; i < 3; i++) last = dec.conceal(160);
    expect(last.every((s) => s === 0)).to.equal(true);
  });
});
