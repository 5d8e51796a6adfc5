import { expect } from 'chai';
import { JitterBuffer } from '../../src/jitter/jitter-buffer.js';
import { pcmu } from '../../src/codecs/g711.js';
import { opus } from '../../src/codecs/opus.js';
import { frameSamples, frameTimestampStep } from '../../src/codecs/types.js';
import type { AudioCodec } from '../../src/codecs/types.js';
import { snrDb } from '../../src/dsp/levels.js';

/** A voiced-speech stand-in: 140 Hz fundamental with decaying harmonics, slowly modulated. */
function voiced(rate: number, ms: number): Int16Array {
  const out = new Int16Array((rate * ms) / 1000);
  for (let i = 0; i < out.length; i++) {
    const t = i / rate;
    let v = 0;
    for (let h = 1; h <= 8; h++) v += Math.sin(2 * Math.PI * 140 * h * t) / h;
    out[i] = Math.round(v * 5000 * (0.8 + 0.2 * Math.sin(2 * Math.PI * 2 * t)));
  }
  return out;
}

/** Sends `pcm` through encoder -> (loss) -> jitter buffer -> decoder/conceal at 20 ms ticks. */
function playThrough(codec: AudioCodec, pcm: Int16Array, lost: Set<number>, useFec: boolean): { out: Int16Array; fecUsed: number } {
  const n = frameSamples(codec);
  const enc = codec.createEncoder();
  const dec = codec.createDecoder();
  const jb = new JitterBuffer({ clockRate: codec.clockRate });
  const frames = pcm.length / n;
  const out: number[] = [];
  let fecUsed = 0;
  for (let k = 0, now = 0; out.length < pcm.length && now < (frames + 20) * 20; now += 20) {
    if (k < frames) {
      const payload = enc.encode(pcm.subarray(k * n, (k + 1) * n));
      if (!lost.has(k)) jb.push({ seq: k, timestamp: k * frameTimestampStep(codec), payload, arrivalMs: now });
      k++;
    }
    const o = jb.pop(now);
    if (o.kind === 'frame') out.push(...dec.decode(o.payload));
    else if (o.kind === 'conceal') {
      if (useFec && o.next && dec.recover) {
        fecUsed++;
        out.push(...dec.recover(o.next, n));
      } else out.push(...dec.conceal(n));
    }
  }
  return { out: Int16Array.from(out.slice(0, pcm.length)), fecUsed };
}

describe('jitter buffer + codec concealment', () => {
  const lost = new Set([12, 25, 26, 40]);

  it('G.711: waveform repetition beats silence for lost frames and keeps the timeline', () => {
    const pcm = voiced(8000, 1000);
    const clean = playThrough(pcmu, pcm, new Set(), false).out;
    const concealed = playThrough(pcmu, pcm, lost, false).out;
    expect(concealed.length).to.equal(pcm.length);
    const zeroed = clean.slice();
    for (const k of lost) zeroed.fill(0, k * 160, (k + 1) * 160);
    // Compare the lost stretches only (elsewhere both equal the clean decode).
    const pick = (a: Int16Array): Int16Array => Int16Array.from([...lost].flatMap((k) => [...a.subarray(k * 160, (k + 1) * 160)]));
    expect(snrDb(pick(clean), pick(concealed))).to.be.greaterThan(snrDb(pick(clean), pick(zeroed)) + 3);
    expect(snrDb(pick(clean), pick(concealed))).to.be.greaterThan(3);
  });

  it('Opus: the jitter buffer hands over the next packet and FEC rebuilds isolated losses', () => {
    const pcm = voiced(48000, 1000);
    const withFec = playThrough(opus, pcm, lost, true);
    const withPlc = playThrough(opus, pcm, lost, false);
    const clean = playThrough(opus, pcm, new Set(), false).out;
    expect(withFec.out.length).to.equal(pcm.length);
    // 12, 26 and 40 have their successor buffered; 25 is followed by another loss, so it
    // can only be concealed by PLC.
    expect(withFec.fecUsed).to.equal(3);
    const pick = (a: Int16Array): Int16Array => Int16Array.from([...lost].flatMap((k) => [...a.subarray(k * 960, (k + 1) * 960)]));
    expect(snrDb(pick(clean), pick(withFec.out))).to.be.greaterThan(snrDb(pick(clean), pick(withPlc.out)));
  });
});
