/**
 * DSP figures (single thread, CPU-bound, no I/O):
 *  - benchCodecs: 20 ms frames encoded / decoded / concealed per second for each codec on
 *    a speech-band signal (two tones plus noise), payload size and the number of real-time
 *    channels one core could carry (encode + decode).
 *  - benchResampler: 20 ms frames per second for each rate pair and input Msamples/s.
 *  - benchDtmfAndJitter: in-band DTMF detector and jitter buffer throughput.
 * Each measurement loops for a fixed CPU time after a warm-up, so the run stays short and
 * other processes on a shared machine distort it less (rates are per CPU second).
 */
import { codecRegistry, DtmfDetector, frameSamples, JitterBuffer, Resampler, ToneGenerator } from '@rvoip/media';
import type { AudioCodec } from '@rvoip/media';

const MEASURE_MS = 400;
const WARMUP_MS = 250;

/** CPU time this process has used, in ms: on a shared machine wall time measures the neighbours. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Calls `fn` repeatedly for about MEASURE_MS of CPU time after a warm-up; returns calls per
 * CPU second. The warm-up is by time, not count, because V8 first runs WebAssembly (Opus)
 * in its baseline compiler and only tiers up to optimised code after a while.
 */
function rate(fn: (i: number) => void): number {
  const warm = cpuMs();
  for (let i = 0; cpuMs() - warm < WARMUP_MS; i++) fn(i);
  const start = cpuMs();
  let n = 0;
  let elapsed = 0;
  while (elapsed < MEASURE_MS) {
    for (let k = 0; k < 50; k++) fn(n++);
    elapsed = cpuMs() - start;
  }
  return Math.round((n * 1000) / elapsed);
}

function speechLike(codec: AudioCodec, frames: number): Int16Array[] {
  const n = frameSamples(codec);
  const gen = new ToneGenerator(codec.sampleRate, { frequencies: [310, 1270], amplitude: 6000 });
  let seed = 7;
  return Array.from({ length: frames }, () => {
    const f = gen.next(n);
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      f[i] += Math.round((seed / 0x7fffffff - 0.5) * 1000);
    }
    return f;
  });
}

export async function benchCodecs(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const codec of codecRegistry.list()) {
    const frames = speechLike(codec, 64);
    const enc = codec.createEncoder();
    const dec = codec.createDecoder();
    const payloads = frames.map((f) => enc.encode(f));
    const encodeFps = rate((i) => enc.encode(frames[i & 63]));
    const decodeFps = rate((i) => dec.decode(payloads[i & 63]));
    const n = frameSamples(codec);
    const concealFps = rate((i) => (i % 4 === 3 ? dec.decode(payloads[i & 63]) : dec.conceal(n)));
    enc.close?.();
    dec.close?.();
    out[codec.name] = {
      frameMs: codec.frameMs,
      sampleRate: codec.sampleRate,
      payloadBytes: Math.round(payloads.reduce((s, p) => s + p.length, 0) / payloads.length),
      encodeFramesPerSec: encodeFps,
      decodeFramesPerSec: decodeFps,
      concealFramesPerSec: concealFps,
      encodeUsPerFrame: +(1e6 / encodeFps).toFixed(2),
      decodeUsPerFrame: +(1e6 / decodeFps).toFixed(2),
      // One channel needs 1000/frameMs frames per second each way.
      realtimeChannelsPerCore: Math.floor(1 / ((1 / encodeFps + 1 / decodeFps) * (1000 / codec.frameMs))),
    };
  }
  return out;
}

export async function benchResampler(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const rates = [8000, 16000, 48000];
  for (const from of rates) {
    for (const to of rates) {
      if (from === to) continue;
      const r = new Resampler(from, to);
      const frame = ToneGenerator.render(from, { frequencies: [1000], amplitude: 8000 }, 20);
      const fps = rate(() => r.process(frame));
      out[`${from / 1000}k->${to / 1000}k`] = { framesPerSec: fps, inputMsamplesPerSec: +((fps * frame.length) / 1e6).toFixed(2) };
    }
  }
  return out;
}

export async function benchDtmfAndJitter(): Promise<Record<string, unknown>> {
  const det = new DtmfDetector();
  const tone = ToneGenerator.dtmf(8000, '5').next(160);
  const detectorFps = rate(() => det.feed(tone));

  const jb = new JitterBuffer({ clockRate: 8000 });
  const payload = Buffer.alloc(160);
  const jitterOps = rate((i) => {
    jb.push({ seq: i & 0xffff, timestamp: (i * 160) >>> 0, payload, arrivalMs: i * 20 + ((i * 7919) % 30) });
    jb.pop(i * 20);
  });
  return { dtmfDetectorFramesPerSec: detectorFps, jitterBufferPushPopPerSec: jitterOps };
}
