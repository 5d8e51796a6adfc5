/** Two media engines on loopback with their own random port ranges, and call helpers. */
import type { MediaEngineConfig, MediaSession, UdpTransportKind } from '../../src/index.js';
import { MediaEngine } from '../../src/index.js';
import { peakFrequency } from '../../src/dsp/goertzel.js';
import { randomPortRange, waitFor } from './ports.js';

/**
 * The socket implementations engine tests run on. 'batched' is the native addon; where it
 * did not build, its engines throw RVOIP_ERR_MEDIA_UDP_ADDON_MISSING saying why, so those
 * cases fail loudly rather than pass on dgram.
 */
export const UDP_TRANSPORTS: readonly UdpTransportKind[] = ['dgram', 'batched'];

export function testEngine(over: MediaEngineConfig = {}): MediaEngine {
  return new MediaEngine({ bindAddress: '127.0.0.1', rtpPortRange: randomPortRange(16), rtcp: { minIntervalSec: 0.5 }, ...over });
}

/** Offer from `a`, answer from `b`, answer applied at `a`. */
export function connect(a: MediaSession, b: MediaSession): void {
  a.setRemoteAnswer(b.createAnswer(a.createOffer()));
}

/** Collects received frames in the background until `stop()`; returns them concatenated. */
export function recordFrames(s: MediaSession): { frames: Int16Array[]; pcm(): Int16Array } {
  const frames: Int16Array[] = [];
  void (async () => {
    for await (const f of s.frames()) frames.push(f);
  })();
  return {
    frames,
    pcm() {
      const out = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
      let o = 0;
      for (const f of frames) {
        out.set(f, o);
        o += f.length;
      }
      return out;
    },
  };
}

/** Waits until `n` frames have arrived and returns the strongest frequency of the last ones. */
export async function receivedTone(rec: ReturnType<typeof recordFrames>, rate: number, n = 20): Promise<number> {
  await waitFor(`${n} frames`, () => rec.frames.length >= n + 5, 10000);
  const tail = rec.pcm().subarray(-(n * rate) / 50);
  return peakFrequency(tail, rate, 200, Math.min(3800, rate / 2 - 200), 10);
}
