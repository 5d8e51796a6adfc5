import { WavReader } from './wav-reader.js';

export interface WavPlayerOptions {
  /** Session PCM rate (codec.sampleRate). */
  sampleRate: number;
  frameMs?: number;
  loop?: boolean;
}

/**
 * Plays a WAV file of any rate, channel count and supported encoding into a session:
 * converted once to mono at the session rate, then handed out one frame at a time.
 * The last frame is zero-padded; `next()` returns undefined when done (unless looping).
 */
export class WavPlayer {
  private readonly pcm: Int16Array;
  private readonly frame: number;
  private pos = 0;

  constructor(
    path: string,
    private readonly opts: WavPlayerOptions,
  ) {
    this.pcm = WavReader.readMono(path, opts.sampleRate);
    this.frame = Math.round((opts.sampleRate * (opts.frameMs ?? 20)) / 1000);
  }

  get durationMs(): number {
    return (this.pcm.length * 1000) / this.opts.sampleRate;
  }

  next(): Int16Array | undefined {
    if (this.pos >= this.pcm.length) {
      if (!this.opts.loop || this.pcm.length === 0) return undefined;
      this.pos = 0;
    }
    const out = new Int16Array(this.frame);
    out.set(this.pcm.subarray(this.pos, this.pos + this.frame));
    this.pos += this.frame;
    return out;
  }

  rewind(): void {
    this.pos = 0;
  }
}
