/**
 * A clock both bench processes (the RTP peer and the engine server) read alike, and the
 * send-time tag the peer writes into every RTP payload, so the engine side can tell how
 * long each packet took from the peer's send() to its own receive callback.
 *
 * performance.now() is per process (its origin is the process start), but it is
 * CLOCK_MONOTONIC underneath, as process.hrtime is: one offset, calibrated once, puts it
 * on hrtime's machine-wide epoch without a BigInt per reading.
 *
 * Tag: 28 bits of microseconds in payload bytes 0-3, 7 bits per byte in mu-law codes
 * 0x80-0xff, which survive a G.711 decode/encode (echo sessions return it, full calls
 * play it out: re-encoding the first four samples of a frame gives it back).
 */
import { readFileSync } from 'node:fs';
import { ulawEncode } from '@rvoip/media';

export const TAG_MASK = (1 << 28) - 1;

function calibrate(): number {
  let bestSpan = Infinity;
  let offset = 0;
  for (let i = 0; i < 200; i++) {
    const a = performance.now();
    const h = process.hrtime.bigint();
    const b = performance.now();
    if (b - a < bestSpan) {
      bestSpan = b - a;
      offset = Number(h) / 1000 - ((a + b) / 2) * 1000;
    }
  }
  return offset;
}

const offsetUs = calibrate();

/** Microseconds on the machine's monotonic clock (same epoch in every process). */
export function sharedNowUs(): number {
  return performance.now() * 1000 + offsetUs;
}

/** Writes the tag of time `us` at `offset` (4 bytes). */
export function writeTag(b: Buffer, offset: number, us: number): void {
  const t = Math.round(us) & TAG_MASK;
  b[offset] = 0x80 | (t >>> 21);
  b[offset + 1] = 0x80 | ((t >>> 14) & 0x7f);
  b[offset + 2] = 0x80 | ((t >>> 7) & 0x7f);
  b[offset + 3] = 0x80 | (t & 0x7f);
}

/** The tag at `offset`, or -1 when the bytes are not one (a code without its top bit). */
export function readTag(b: Uint8Array, offset: number): number {
  const b0 = b[offset]!;
  const b1 = b[offset + 1]!;
  const b2 = b[offset + 2]!;
  const b3 = b[offset + 3]!;
  if ((b0 & b1 & b2 & b3 & 0x80) === 0) return -1;
  return ((b0 & 0x7f) << 21) | ((b1 & 0x7f) << 14) | ((b2 & 0x7f) << 7) | (b3 & 0x7f);
}

/** The tag a decoded PCMU frame carries in its first four samples, or -1. */
export function tagFromPcm(pcm: Int16Array): number {
  if (pcm.length < 4) return -1;
  const c0 = ulawEncode(pcm[0]!);
  const c1 = ulawEncode(pcm[1]!);
  const c2 = ulawEncode(pcm[2]!);
  const c3 = ulawEncode(pcm[3]!);
  if ((c0 & c1 & c2 & c3 & 0x80) === 0) return -1;
  return ((c0 & 0x7f) << 21) | ((c1 & 0x7f) << 14) | ((c2 & 0x7f) << 7) | (c3 & 0x7f);
}

/** Microseconds from tag `tag` to shared time `nowUs`, across the 28-bit wrap (~268 s). */
export function sinceTagUs(tag: number, nowUs: number): number {
  return (Math.round(nowUs) - tag) & TAG_MASK;
}

/**
 * This process's main thread as the scheduler saw it (Linux /proc schedstat): time run,
 * time spent runnable but waiting for a CPU (other processes had it), and timeslices.
 * Undefined where the kernel does not report it.
 */
export function mainThreadSched(): { runNs: number; waitNs: number; slices: number } | undefined {
  try {
    const [run, wait, slices] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return { runNs: run!, waitNs: wait!, slices: slices! };
  } catch {
    return undefined;
  }
}

/** Scheduler figures between two `mainThreadSched` readings, per second of `wallMs`. */
export function schedSince(from: ReturnType<typeof mainThreadSched>, wallMs: number): Record<string, number> | undefined {
  const to = mainThreadSched();
  if (!from || !to) return undefined;
  return {
    runQueueWaitMsPerS: Number((((to.waitNs - from.waitNs) / 1e6 / wallMs) * 1000).toFixed(1)),
    timeslicesPerS: Math.round(((to.slices - from.slices) / wallMs) * 1000),
  };
}
