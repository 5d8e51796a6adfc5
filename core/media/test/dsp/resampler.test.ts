import { expect } from 'chai';
import { Resampler, resample } from '../../src/dsp/resampler.js';
import { ToneGenerator } from '../../src/dsp/tone-generator.js';
import { rms, snrDb } from '../../src/dsp/levels.js';
import { peakFrequency } from '../../src/dsp/goertzel.js';

const RATES = [8000, 16000, 48000];

function streamed(from: number, to: number, input: Int16Array): { out: Int16Array; lengths: Set<number>; delay: number } {
  const r = new Resampler(from, to);
  const frame = from / 50;
  const parts: Int16Array[] = [];
  for (let i = 0; i < input.length; i += frame) parts.push(r.process(input.subarray(i, i + frame)));
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return { out, lengths: new Set(parts.map((p) => p.length)), delay: r.delay };
}

describe('Resampler', () => {
  for (const from of RATES) {
    for (const to of RATES) {
      if (from === to) continue;
      it(`${from} -> ${to}: 20 ms in gives exactly 20 ms out, tones keep frequency with > 60 dB SNR`, () => {
        for (const f of [300, 1004, 3000]) {
          const input = ToneGenerator.render(from, { frequencies: [f], amplitude: 10000 }, 600);
          const { out, lengths, delay } = streamed(from, to, input);
          expect([...lengths]).to.deep.equal([to / 50]);
          const expected = ToneGenerator.render(to, { frequencies: [f], amplitude: 10000 }, 600);
          // The filter delay is a whole number of output samples, so alignment is exact.
          const skip = Math.round(to / 20); // 50 ms for the filter to fill
          const ref = expected.subarray(skip, expected.length - delay);
          const act = out.subarray(skip + delay);
          expect(snrDb(ref, act), `${f} Hz`).to.be.greaterThan(f === 3000 && Math.min(from, to) === 8000 ? 40 : 60);
          expect(peakFrequency(act, to, f - 250, f + 250, 1)).to.be.closeTo(f, 1);
        }
      });
    }
  }

  for (const [from, to] of [
    [16000, 8000],
    [48000, 8000],
    [48000, 16000],
  ]) {
    it(`${from} -> ${to} suppresses content above the new Nyquist frequency by > 55 dB (no aliasing)`, () => {
      const f = to / 2 + 1500;
      const input = ToneGenerator.render(from, { frequencies: [f], amplitude: 10000 }, 500);
      const out = resample(input, from, to);
      expect(20 * Math.log10(rms(out.subarray(200)) / rms(input))).to.be.lessThan(-55);
    });
  }

  it('resample() returns the proportional length, aligned with the source', () => {
    const input = ToneGenerator.render(8000, { frequencies: [440], amplitude: 8000 }, 250);
    const up = resample(input, 8000, 48000);
    expect(up.length).to.equal(input.length * 6);
    const back = resample(up, 48000, 8000);
    expect(back.length).to.equal(input.length);
    expect(snrDb(input.subarray(100, 1900), back.subarray(100, 1900))).to.be.greaterThan(60);
    expect(resample(input, 8000, 8000)).to.deep.equal(input);
  });

  it('handles arbitrary ratios such as 44.1 kHz -> 8 kHz', () => {
    const input = ToneGenerator.render(44100, { frequencies: [1000], amplitude: 8000 }, 500);
    const out = resample(input, 44100, 8000);
    expect(out.length).to.equal(4000);
    expect(peakFrequency(out.subarray(100), 8000, 100, 3900, 2)).to.equal(1000);
  });

  it('rejects nonsensical rates with a coded error', () => {
    expect(() => new Resampler(0, 8000)).to.throw().with.property('code', 'RVOIP_ERR_MEDIA_RESAMPLE_RATE');
    expect(() => new Resampler(8000.5, 8000)).to.throw().with.property('code', 'RVOIP_ERR_MEDIA_RESAMPLE_RATE');
  });
});
