/**
 * Frame sources for `MediaSession.playWav`/`playTone`/`playFrames`, handed out 20 ms at
 * a time by the engine tick; `finished` settles when the source ends or is replaced.
 */
import type { ToneSpec } from '../dsp/tone-generator.js';
import { ToneGenerator } from '../dsp/tone-generator.js';
import { WavPlayer } from '../wav/wav-player.js';
import type { FrameSource } from './audio-sender.js';

export class Playback implements FrameSource {
  readonly finished: Promise<void>;
  private resolve!: () => void;
  private offset = 0;
  private readonly frameSize: number;

  private constructor(private readonly next: (frameSize: number, offset: number) => Int16Array | undefined, frameRate: number) {
    this.frameSize = frameRate / 50;
    this.finished = new Promise((r) => {
      this.resolve = r;
    });
  }

  /** Any rate, channel count and encoding WavPlayer reads; converted once to `frameRate` mono. */
  static fromWav(path: string, frameRate: number): Playback {
    const player = new WavPlayer(path, { sampleRate: frameRate });
    return new Playback(() => player.next(), frameRate);
  }

  /** Frames from a callback (TTS, a generator, a mixer); undefined ends playback. */
  static fromFrames(next: () => Int16Array | undefined, frameRate: number): Playback {
    return new Playback(() => next(), frameRate);
  }

  /** In-band DTMF: each digit's dual tone for `durationMs`, then `gapMs` of silence. */
  static fromDtmf(digits: string, durationMs: number, gapMs: number, frameRate: number): Playback {
    const size = frameRate / 50;
    const toneFrames = Math.max(1, Math.round(durationMs / 20));
    const gapFrames = Math.max(1, Math.round(gapMs / 20));
    // Built up front so an invalid digit throws before anything is played.
    const tones = [...digits].map((d) => ToneGenerator.dtmf(frameRate, d));
    let frame = 0;
    return new Playback(() => {
      const digit = Math.floor(frame / (toneFrames + gapFrames));
      if (digit >= tones.length) return undefined;
      const inTone = frame++ % (toneFrames + gapFrames) < toneFrames;
      return inTone ? tones[digit].next(size) : new Int16Array(size);
    }, frameRate);
  }

  static fromTone(spec: ToneSpec, durationMs: number, frameRate: number): Playback {
    const gen = new ToneGenerator(frameRate, spec);
    const total = Math.round((durationMs * frameRate) / 1000);
    return new Playback((size, offset) => (offset >= total ? undefined : gen.next(size)), frameRate);
  }

  nextFrame(): Int16Array | undefined {
    const frame = this.next(this.frameSize, this.offset);
    this.offset += this.frameSize;
    return frame;
  }

  onEnd(): void {
    this.resolve();
  }
}
