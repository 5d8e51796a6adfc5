import { allocPcm } from '../codecs/pcm-pool.js';

/**
 * Waveform-repetition packet-loss concealment in the spirit of ITU-T G.711 Appendix I,
 * for codecs without a built-in PLC (G.711, G.722). A lost frame is replaced by the last
 * pitch period, repeated with its phase carried across consecutive losses; the output fades
 * after 10 ms and is silent after 60 ms (repeating one period longer sounds buzzy), and the
 * first good frame after a loss is cross-faded from the synthetic signal to avoid a click.
 */
export class WaveformConcealer {
  private readonly history: Float32Array;
  private filled = 0;
  /**
   * With `retainFrames`, the most recent frames themselves (newest last), copied into
   * `history` only when concealment needs it: decoders own the frames they observe and
   * nobody writes to them afterwards, so the copy per good frame can wait for a loss.
   */
  private readonly recent: Int16Array[] = [];
  private recentSamples = 0;
  private period = 0;
  private phase = 0;
  private lostSamples = 0;
  private readonly minLag: number;
  private readonly maxLag: number;
  private readonly fadeStart: number;
  private readonly fadeEnd: number;
  private readonly overlap: number;

  /**
   * `retainFrames`: observe() keeps a reference to each frame instead of copying it; only
   * for callers that never modify a frame after observing it (the codecs' own decoders).
   */
  constructor(private readonly sampleRate: number, private readonly retainFrames = false) {
    this.minLag = Math.round(sampleRate * 0.0025);
    this.maxLag = Math.round(sampleRate * 0.015);
    this.history = new Float32Array(this.maxLag * 3);
    this.fadeStart = Math.round(sampleRate * 0.01);
    this.fadeEnd = Math.round(sampleRate * 0.06);
    this.overlap = Math.round(sampleRate * 0.004);
  }

  /** Records a correctly decoded frame; smooths the seam if it follows concealment. Mutates `pcm`. */
  observe(pcm: Int16Array): void {
    if (this.lostSamples > 0) {
      const n = Math.min(this.overlap, pcm.length);
      const synth = this.synthesise(n);
      for (let i = 0; i < n; i++) {
        const w = (i + 1) / (n + 1);
        pcm[i] = clamp16(synth[i] * (1 - w) + pcm[i] * w);
      }
      this.lostSamples = 0;
      this.period = 0;
    }
    const h = this.history;
    this.filled = Math.min(h.length, this.filled + pcm.length);
    if (this.retainFrames) {
      this.recent.push(pcm);
      this.recentSamples += pcm.length;
      while (this.recentSamples - this.recent[0]!.length >= h.length) this.recentSamples -= this.recent.shift()!.length;
      return;
    }
    this.append(pcm);
  }

  private append(pcm: Int16Array): void {
    const h = this.history;
    if (pcm.length >= h.length) {
      for (let i = 0; i < h.length; i++) h[i] = pcm[pcm.length - h.length + i];
    } else {
      h.copyWithin(0, pcm.length);
      for (let i = 0; i < pcm.length; i++) h[h.length - pcm.length + i] = pcm[i];
    }
  }

  /** Moves the retained frames into `history` (oldest first), before it is read. */
  private settle(): void {
    if (this.recent.length === 0) return;
    for (const pcm of this.recent) this.append(pcm);
    this.recent.length = 0;
    this.recentSamples = 0;
  }

  /** Produces `samples` samples to stand in for lost audio. */
  conceal(samples: number): Int16Array {
    const out = allocPcm(samples);
    if (this.filled < this.maxLag * 2) {
      this.lostSamples += samples;
      return out;
    }
    const synth = this.synthesise(samples);
    for (let i = 0; i < samples; i++) out[i] = clamp16(synth[i]);
    return out;
  }

  private synthesise(samples: number): Float32Array {
    const out = new Float32Array(samples);
    if (this.filled < this.maxLag * 2) return out;
    this.settle();
    if (this.period === 0) {
      this.period = this.estimatePeriod();
      this.phase = 0;
    }
    const h = this.history;
    const start = h.length - this.period;
    for (let i = 0; i < samples; i++) {
      const lost = this.lostSamples + i;
      let gain = 1;
      if (lost >= this.fadeEnd) gain = 0;
      else if (lost > this.fadeStart) gain = 1 - (lost - this.fadeStart) / (this.fadeEnd - this.fadeStart);
      out[i] = h[start + this.phase] * gain;
      this.phase = (this.phase + 1) % this.period;
    }
    this.lostSamples += samples;
    return out;
  }

  /** Normalised autocorrelation over the last 2 x maxLag samples; the best lag is the pitch. */
  private estimatePeriod(): number {
    const h = this.history;
    const win = this.maxLag;
    const end = h.length;
    let bestLag = this.maxLag;
    let best = -Infinity;
    for (let lag = this.minLag; lag <= this.maxLag; lag++) {
      let num = 0;
      let den = 1e-9;
      for (let i = end - win; i < end; i++) {
        num += h[i] * h[i - lag];
        den += h[i - lag] * h[i - lag];
      }
      const score = num / Math.sqrt(den);
      if (score > best) {
        best = score;
        bestLag = lag;
      }
    }
    return bestLag;
  }
}

export function clamp16(v: number): number {
  const r = Math.round(v);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}
