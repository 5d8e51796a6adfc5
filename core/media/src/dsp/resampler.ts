import { RvoipError } from '@rvoip/contracts';

/**
 * Streaming rational resampler (polyphase windowed-sinc FIR). Telephony rates are related
 * by small integers (8/16/48 kHz: L/M of 2, 3, 6 and inverses), so the exact polyphase form
 * applies: every output sample is one dot product of `tapsPerPhase` inputs with a
 * precomputed phase, and a 20 ms frame in always gives exactly 20 ms out (no drifting
 * buffer lengths for the RTP layer). The filter state carries over between `process`
 * calls, so frames join without clicks.
 *
 * Design: Kaiser window (beta 8, about 80 dB stopband), cutoff at 0.94 of the lower
 * Nyquist frequency so 8 kHz keeps the whole 300-3400 Hz telephone band. Measured against
 * the SpeexDSP resampler (WASM build): see docs/media-dsp.md for figures and the choice.
 */
const CUTOFF = 0.94;
const KAISER_BETA = 8;

export class Resampler {
  readonly up: number;
  readonly down: number;
  /** Whole samples of delay the filter adds, at the output rate. */
  readonly delay: number;
  private readonly taps: number;
  private readonly coeffs: Float64Array;
  /** Input history (`taps` samples) then the chunk being processed. */
  private work: Float64Array;
  /** Position of the next output in the upsampled domain, relative to history start. */
  private t: number;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
    tapsPerPhase = 48,
  ) {
    if (!(Number.isInteger(fromRate) && Number.isInteger(toRate) && fromRate > 0 && toRate > 0)) {
      throw new RvoipError('RVOIP_ERR_MEDIA_RESAMPLE_RATE', `resampler rates must be positive integers, got ${fromRate} -> ${toRate}`);
    }
    const g = gcd(fromRate, toRate);
    this.up = toRate / g;
    this.down = fromRate / g;
    if (this.up > 1024 || this.down > 1024) {
      throw new RvoipError('RVOIP_ERR_MEDIA_RESAMPLE_RATIO', `resampling ${fromRate} -> ${toRate} needs ratio ${this.up}/${this.down}; at most 1024/1024 supported`);
    }
    // Each output needs taps covering `tapsPerPhase` zero crossings of the narrower band.
    this.taps = Math.ceil((tapsPerPhase * Math.max(this.up, this.down)) / this.up);
    const design = designPolyphase(this.up, this.down, this.taps, CUTOFF, KAISER_BETA);
    this.coeffs = design.coeffs;
    this.delay = design.delay;
    this.work = new Float64Array(this.taps + 960);
    this.t = this.taps * this.up;
  }

  /** Resamples the next chunk; output length is exact whenever `pcm.length * up` divides by `down`. */
  process(pcm: Int16Array): Int16Array {
    if (this.up === 1 && this.down === 1) return pcm.slice();
    const h = this.taps;
    // Reuse one work buffer: history (taps samples) followed by the new input.
    if (this.work.length < h + pcm.length) {
      const grown = new Float64Array(h + pcm.length);
      grown.set(this.work.subarray(0, h));
      this.work = grown;
    }
    const buf = this.work;
    for (let i = 0; i < pcm.length; i++) buf[h + i] = pcm[i];
    const total = h + pcm.length;
    const { up, down, taps, coeffs } = this;
    const end = total * up;
    const count = Math.max(0, Math.ceil((end - this.t) / down));
    const out = new Int16Array(count);
    let t = this.t;
    let j = Math.floor(t / up);
    let phase = t - j * up;
    for (let n = 0; n < count; n++) {
      const base = phase * taps;
      let acc = 0;
      for (let i = 0; i < taps; i++) acc += coeffs[base + i] * buf[j - i];
      const r = Math.round(acc);
      out[n] = r > 32767 ? 32767 : r < -32768 ? -32768 : r;
      phase += down;
      while (phase >= up) {
        phase -= up;
        j++;
      }
      t += down;
    }
    buf.copyWithin(0, total - h, total);
    this.t = t - pcm.length * up;
    return out;
  }


  reset(): void {
    this.work.fill(0);
    this.t = this.taps * this.up;
  }
}

/** One-shot resampling of a whole buffer (for files, prompts, tests). */
export function resample(pcm: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate) return pcm.slice();
  const r = new Resampler(fromRate, toRate);
  // Flush the filter delay with zeros so the output is aligned and complete.
  const pad = Math.ceil((r.delay * fromRate) / toRate) + 1;
  const padded = new Int16Array(pcm.length + pad);
  padded.set(pcm);
  const out = r.process(padded);
  const want = Math.round((pcm.length * toRate) / fromRate);
  return out.slice(r.delay, r.delay + want);
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function (series), for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/**
 * Prototype low-pass at rate up*fromRate, split into `up` phases of `taps` coefficients,
 * stored phase-major and scaled by `up` to keep unity gain after zero-stuffing.
 */
function designPolyphase(up: number, down: number, taps: number, cutoffRatio: number, beta: number): { coeffs: Float64Array; delay: number } {
  const length = taps * up;
  // Centre the prototype on a multiple of `down` so the group delay is a whole number of
  // output samples: resampled audio then lines up sample-exactly with the source.
  const delay = Math.floor((length - 1) / (2 * down));
  const center = delay * down;
  const cutoff = (cutoffRatio * 0.5) / Math.max(up, down); // cycles per upsampled sample
  const proto = new Float64Array(length);
  for (let k = 0; k <= 2 * center && k < length; k++) {
    const x = k - center;
    const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
    const r = center === 0 ? 0 : x / center;
    proto[k] = (sinc * besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r)))) / besselI0(beta);
  }
  const coeffs = new Float64Array(length);
  for (let p = 0; p < up; p++) {
    let sum = 0;
    for (let i = 0; i < taps; i++) sum += proto[p + i * up];
    // Normalise each phase to unity DC gain so no phase ripples the output level.
    for (let i = 0; i < taps; i++) coeffs[p * taps + i] = sum === 0 ? 0 : proto[p + i * up] / sum;
  }
  return { coeffs, delay };
}
