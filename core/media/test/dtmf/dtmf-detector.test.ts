import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DtmfDetector } from '../../src/dtmf/dtmf-detector.js';
import { ToneGenerator } from '../../src/dsp/tone-generator.js';
import { pcmu } from '../../src/codecs/g711.js';
import { WavReader } from '../../src/wav/wav-reader.js';
import { resample } from '../../src/dsp/resampler.js';

const ALL = '123A456B789C*0#D';

function keyed(digits: string, toneMs: number, gapMs: number, amplitude = 6000): Int16Array {
  const parts: Int16Array[] = [];
  for (const d of digits) {
    parts.push(ToneGenerator.dtmf(8000, d, amplitude).next(toneMs * 8));
    parts.push(new Int16Array(gapMs * 8));
  }
  return concat(parts);
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Deterministic white noise. */
function noise(samples: number, amplitude: number, seed = 1): Int16Array {
  let s = seed;
  const out = new Int16Array(samples);
  for (let i = 0; i < samples; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out[i] = Math.round(((s / 0x7fffffff) * 2 - 1) * amplitude);
  }
  return out;
}

function feedInFrames(det: DtmfDetector, pcm: Int16Array, frame = 160): string {
  for (let i = 0; i < pcm.length; i += frame) det.feed(pcm.subarray(i, i + frame));
  return det.digits;
}

describe('DtmfDetector (Goertzel)', () => {
  it('detects all 16 DTMF digits, each exactly once per press', () => {
    expect(feedInFrames(new DtmfDetector(), keyed(ALL, 100, 60))).to.equal(ALL);
  });

  it('detects 40 ms tones with 40 ms gaps (the ITU-T Q.24 minimums) and repeated keys', () => {
    // Whatever the alignment of the tones with the detector's blocks.
    for (const offset of [0, 17, 34, 51, 68, 85, 101]) {
      const pcm = concat([new Int16Array(offset), keyed('1155#', 40, 40)]);
      expect(feedInFrames(new DtmfDetector(), pcm), `offset ${offset}`).to.equal('1155#');
    }
  });

  it('reports a long press once', () => {
    const calls: string[] = [];
    const det = new DtmfDetector({ onDigit: (d) => calls.push(d) });
    feedInFrames(det, keyed('7', 2000, 100));
    expect(calls).to.deep.equal(['7']);
  });

  it('detects tones that went through G.711 and over background noise (20 dB SNR)', () => {
    const clean = keyed(ALL, 80, 60, 5000);
    const hiss = noise(clean.length, 700);
    const noisy = clean.map((v, i) => v + hiss[i]);
    const enc = pcmu.createEncoder();
    const dec = pcmu.createDecoder();
    const coded: Int16Array[] = [];
    for (let i = 0; i < noisy.length; i += 160) coded.push(dec.decode(enc.encode(noisy.subarray(i, i + 160))));
    expect(feedInFrames(new DtmfDetector(), concat(coded))).to.equal(ALL);
  });

  it('accepts normal twist (column 6 dB weaker) but rejects 12 dB twist', () => {
    const twisted = (db: number): Int16Array => {
      const row = ToneGenerator.render(8000, { frequencies: [770], amplitude: 8000 }, 100);
      const col = ToneGenerator.render(8000, { frequencies: [1336], amplitude: Math.round(8000 * 10 ** (-db / 20)) }, 100);
      return concat([row.map((v, i) => v + col[i]), new Int16Array(800)]);
    };
    expect(feedInFrames(new DtmfDetector(), twisted(6))).to.equal('5');
    expect(feedInFrames(new DtmfDetector(), twisted(12))).to.equal('');
  });

  it('rejects single tones, ringback, non-DTMF dual tones, noise and quiet tones', () => {
    const inputs = [
      ToneGenerator.render(8000, { frequencies: [697] }, 500),
      ToneGenerator.render(8000, { frequencies: [1209] }, 500),
      ToneGenerator.render(8000, { frequencies: [1000] }, 500),
      ToneGenerator.ringback(8000).next(8000),
      ToneGenerator.render(8000, { frequencies: [350, 440] }, 500), // dial tone
      noise(8000, 8000),
      keyed('5', 200, 50, 300), // about -43 dBFS per tone: below the level floor
    ];
    for (const pcm of inputs) expect(feedInFrames(new DtmfDetector(), pcm)).to.equal('');
  });

  it('rejects speech-like harmonic signals (vowels with 120-250 Hz pitch and formants)', () => {
    const parts: Int16Array[] = [];
    for (let f0 = 120; f0 <= 250; f0 += 10) {
      const harmonics: number[] = [];
      for (let f = f0; f < 3800; f += f0) harmonics.push(f);
      const pcm = new Int16Array(2400);
      for (let i = 0; i < pcm.length; i++) {
        let v = 0;
        for (const f of harmonics) {
          // Formant envelope around 700 Hz and 1200 Hz (an "a" vowel): peaks near DTMF bands.
          const env = Math.exp(-(((f - 700) / 150) ** 2)) + 0.7 * Math.exp(-(((f - 1200) / 200) ** 2)) + 0.05;
          v += env * Math.sin((2 * Math.PI * f * i) / 8000);
        }
        pcm[i] = Math.round(v * 3000);
      }
      parts.push(pcm);
    }
    expect(feedInFrames(new DtmfDetector(), concat(parts))).to.equal('');
  });

  it('rejects real synthesised speech (espeak-ng)', function () {
    const which = (bin: string): boolean => {
      try {
        execFileSync('sh', ['-c', `command -v ${bin}`]);
        return true;
      } catch {
        return false;
      }
    };
    if (!which('espeak-ng')) throw new Error('espeak-ng is not on PATH: install the Debian package espeak-ng (CI does)');
    const dir = mkdtempSync(join(tmpdir(), 'rvoip-dtmf-'));
    try {
      const file = join(dir, 'speech.wav');
      execFileSync('espeak-ng', ['-w', file, 'Thank you for calling. Press one for sales, two for support, or hold for an operator. Seven eight nine.']);
      const wav = WavReader.read(file);
      const pcm = resample(wav.samples, wav.sampleRate, 8000);
      expect(pcm.length).to.be.greaterThan(8000 * 3);
      expect(feedInFrames(new DtmfDetector(), pcm)).to.equal('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
