import { expect } from 'chai';
import { ToneGenerator } from '../../src/dsp/tone-generator.js';
import { dominantFrequency, goertzelPower, peakFrequency } from '../../src/dsp/goertzel.js';
import { dbfs, rms } from '../../src/dsp/levels.js';
import { DTMF_HIGH, DTMF_LOW } from '../../src/dtmf/digits.js';

describe('ToneGenerator and Goertzel helpers', () => {
  it('generates a single tone at the requested frequency and level', () => {
    const pcm = ToneGenerator.render(8000, { frequencies: [1000], amplitude: 16384 }, 200);
    expect(pcm.length).to.equal(1600);
    expect(peakFrequency(pcm, 8000)).to.equal(1000);
    expect(rms(pcm)).to.be.closeTo(16384 / Math.SQRT2, 50);
    expect(dbfs(pcm)).to.be.closeTo(-9.03, 0.05);
  });

  it('is phase-continuous across next() calls (no clicks between frames)', () => {
    const gen = new ToneGenerator(8000, { frequencies: [440], amplitude: 10000 });
    const whole = ToneGenerator.render(8000, { frequencies: [440], amplitude: 10000 }, 100);
    const parts = [gen.next(160), gen.next(160), gen.next(160), gen.next(160), gen.next(160)];
    const joined = Int16Array.from(parts.flatMap((p) => [...p]));
    for (let i = 0; i < whole.length; i++) expect(Math.abs(joined[i] - whole[i])).to.be.at.most(1);
  });

  it('generates each DTMF digit as its row and column frequencies', () => {
    const pcm = ToneGenerator.dtmf(8000, '5').next(800);
    expect(dominantFrequency(pcm, 8000, DTMF_LOW)).to.equal(770);
    expect(dominantFrequency(pcm, 8000, DTMF_HIGH)).to.equal(1336);
  });

  it('plays ringback with its cadence: 2 s of 440+480 Hz then 4 s of silence (US)', () => {
    const gen = ToneGenerator.ringback(8000, 'us');
    const on = gen.next(16000);
    const off = gen.next(32000);
    const again = gen.next(800);
    expect(dominantFrequency(on, 8000, [350, 425, 440, 480, 620])).to.be.oneOf([440, 480]);
    expect(goertzelPower(on, 8000, 480)).to.be.greaterThan(1e6);
    expect(rms(off)).to.equal(0);
    expect(rms(again)).to.be.greaterThan(1000);
  });

  it('plays named call-progress tones with their cadences', () => {
    const busy = ToneGenerator.callProgress(8000, 'busy-us');
    const on = busy.next(4000);
    const off = busy.next(4000);
    expect(dominantFrequency(on, 8000, [350, 425, 440, 480, 620])).to.be.oneOf([480, 620]);
    expect(goertzelPower(on, 8000, 620)).to.be.greaterThan(1e6);
    expect(rms(off)).to.equal(0);
    const dial = ToneGenerator.callProgress(8000, 'dial-eu').next(80000); // continuous: no cadence
    expect(Math.min(rms(dial.subarray(0, 8000)), rms(dial.subarray(72000)))).to.be.greaterThan(5000);
    expect(peakFrequency(dial, 8000, 300, 600, 1)).to.equal(425);
  });

  it('normalises Goertzel power to amplitude^2/4 independent of block length', () => {
    for (const n of [205, 800]) {
      const pcm = ToneGenerator.render(8000, { frequencies: [1000], amplitude: 1000 }, (n / 8000) * 1000);
      expect(goertzelPower(pcm, 8000, 1000)).to.be.closeTo(250000, 25000);
      expect(goertzelPower(pcm, 8000, 2000)).to.be.lessThan(2500);
    }
  });

  it('rejects frequencies at or above Nyquist and clipping amplitudes', () => {
    expect(() => new ToneGenerator(8000, { frequencies: [4000] })).to.throw().with.property('code', 'RVOIP_ERR_MEDIA_TONE_FREQUENCY');
    expect(() => new ToneGenerator(8000, { frequencies: [400, 500], amplitude: 20000 })).to.throw().with.property('code', 'RVOIP_ERR_MEDIA_TONE_AMPLITUDE');
  });
});
