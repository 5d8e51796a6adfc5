/**
 * Goertzel single-bin DFT: power of one frequency in a block, O(n) per bin. Cheaper than
 * an FFT when only a handful of frequencies matter (DTMF, tone checks in tests).
 */

/**
 * Power of `freq` in `pcm`, normalised so a full-block sinusoid of amplitude A gives
 * about A^2/4 regardless of block length (so thresholds do not depend on block size).
 */
export function goertzelPower(pcm: ArrayLike<number>, sampleRate: number, freq: number): number {
  const n = pcm.length;
  if (n === 0) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = pcm[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return power / (n * n);
}

/** The candidate with the most Goertzel power in `pcm`. */
export function dominantFrequency(pcm: ArrayLike<number>, sampleRate: number, candidates: readonly number[]): number {
  let best = candidates[0];
  let bestPower = -1;
  for (const f of candidates) {
    const p = goertzelPower(pcm, sampleRate, f);
    if (p > bestPower) {
      bestPower = p;
      best = f;
    }
  }
  return best;
}

/**
 * Frequency with the most power on a `stepHz` grid between `minHz` and `maxHz`; for tests
 * that check "a 1 kHz tone is still a 1 kHz tone" without naming candidates.
 */
export function peakFrequency(pcm: ArrayLike<number>, sampleRate: number, minHz = 50, maxHz = sampleRate / 2 - 50, stepHz = 10): number {
  const grid: number[] = [];
  for (let f = minHz; f <= maxHz; f += stepHz) grid.push(f);
  return dominantFrequency(pcm, sampleRate, grid);
}
