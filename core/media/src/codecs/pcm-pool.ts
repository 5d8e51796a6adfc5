/**
 * Small PCM frames carved out of shared slabs, as Buffer.allocUnsafe does for small
 * Buffers. A 20 ms frame (160..960 samples) is above V8's on-heap typed-array limit, so
 * `new Int16Array(n)` costs a malloc'd, zeroed backing store plus its sweep, per packet;
 * a view on a slab is a plain heap object. A slab is freed when its last view is.
 * Frames from here are zeroed like `new Int16Array(n)`, and must not be assumed to start
 * at offset 0 of their `.buffer`.
 */
const SLAB_SAMPLES = 16384;
/** Larger requests get their own array: they are rare and would waste a slab. */
const MAX_POOLED = 2048;

let slab = new Int16Array(SLAB_SAMPLES);
let used = 0;

export function allocPcm(samples: number): Int16Array {
  if (samples > MAX_POOLED) return new Int16Array(samples);
  if (used + samples > SLAB_SAMPLES) {
    slab = new Int16Array(SLAB_SAMPLES);
    used = 0;
  }
  const out = slab.subarray(used, used + samples);
  used += samples;
  return out;
}
