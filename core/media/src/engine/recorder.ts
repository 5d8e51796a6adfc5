/**
 * Call recording to WAV at the session rate. The engine tick paces it: each tick writes
 * the received frame (or silence) and the frame sent since the previous tick (or
 * silence), so both directions stay aligned in time in a 'both' (stereo) file.
 */
import { WavWriter } from '../wav/wav-writer.js';

export type RecordingDirection = 'in' | 'out' | 'both';

export class Recorder {
  private readonly outFrames: Int16Array[] = [];
  private readonly silence: Int16Array;

  private constructor(private readonly writer: WavWriter, private readonly direction: RecordingDirection, frameRate: number) {
    this.silence = new Int16Array(frameRate / 50);
  }

  static async open(path: string, frameRate: number, direction: RecordingDirection): Promise<Recorder> {
    const writer = await WavWriter.create(path, { sampleRate: frameRate, channels: direction === 'both' ? 2 : 1 });
    return new Recorder(writer, direction, frameRate);
  }

  /** Whether the file has a channel for what the session sends. */
  get recordsOut(): boolean {
    return this.direction !== 'in';
  }

  onOut(pcm: Int16Array): void {
    // Bounded: a sender faster than real time must not grow memory without limit.
    if (this.direction !== 'in' && this.outFrames.length < 50) this.outFrames.push(pcm.slice());
  }

  onTick(inFrame: Int16Array | undefined): void {
    const input = inFrame ?? this.silence;
    if (this.direction === 'in') {
      if (inFrame) this.writer.write(inFrame);
      return;
    }
    const out = this.outFrames.shift();
    if (this.direction === 'out') {
      if (out) this.writer.write(out);
      return;
    }
    if (!inFrame && !out) return;
    this.writer.writeStereo(input, out ?? this.silence);
  }

  async close(): Promise<void> {
    await this.writer.close();
  }
}
