/** Level and quality measures used by codec tests, benchmarks and the detectors. */

export function rms(pcm: ArrayLike<number>): number {
  if (pcm.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i] * pcm[i];
  return Math.sqrt(sum / pcm.length);
}

/** RMS level relative to a full-scale 16-bit square wave, in dBFS (silence gives -Infinity). */
export function dbfs(pcm: ArrayLike<number>): number {
  return 20 * Math.log10(rms(pcm) / 32768);
}

/**
 * Signal-to-noise ratio in dB of `actual` against `reference`, after shifting `actual`
 * by the lag (0..maxLag) that best aligns them, since codecs and filters add delay.
 */
export function snrDb(reference: ArrayLike<number>, actual: ArrayLike<number>, maxLag = 0): number {
  const lag = maxLag > 0 ? bestLag(reference, actual, maxLag) : 0;
  let sig = 0;
  let noise = 0;
  const n = Math.min(reference.length, actual.length - lag);
  for (let i = 0; i < n; i++) {
    const r = reference[i];
    const e = actual[i + lag] - r;
    sig += r * r;
    noise += e * e;
  }
  return 10 * Math.log10(sig / Math.max(noise, 1e-12));
}

/** Lag (in samples, `actual` behind `reference`) that maximises their cross-correlation. */
export function bestLag(reference: ArrayLike<number>, actual: ArrayLike<number>, maxLag: number): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let lag = 0; lag <= maxLag; lag++) {
    let score = 0;
    const n = Math.min(reference.length, actual.length - lag);
    for (let i = 0; i < n; i++) score += reference[i] * actual[i + lag];
    if (score > bestScore) {
      bestScore = score;
      best = lag;
    }
  }
  return best;
}
