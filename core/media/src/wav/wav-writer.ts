import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { RvoipError } from '@rvoip/contracts';
import { pcm16Header } from './wav-format.js';

export interface WavWriterOptions {
  sampleRate: number;
  /** 1 (mono) or 2 (stereo, e.g. caller left / callee right). */
  channels?: number;
}

/**
 * Streams 16-bit PCM to a WAV file as it is recorded. The header is written first with
 * placeholder sizes of 0xFFFFFFFF (the streaming convention that sox and ffmpeg read to end
 * of file, so a crash still leaves a playable file) and rewritten with the real sizes on
 * `close()`. `write` never blocks the media loop: writes are queued in order on the file
 * handle and any I/O error is raised by `close()`.
 */
export class WavWriter {
  readonly sampleRate: number;
  readonly channels: number;
  private frames = 0;
  private queue: Promise<unknown>;
  private error: unknown;
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    opts: WavWriterOptions,
  ) {
    this.sampleRate = opts.sampleRate;
    this.channels = opts.channels ?? 1;
    this.queue = handle.write(pcm16Header(this.sampleRate, this.channels, 0xffffffff), 0, 44, 0).catch((err: unknown) => {
      this.error ??= err;
    });
  }

  static async create(path: string, opts: WavWriterOptions): Promise<WavWriter> {
    const channels = opts.channels ?? 1;
    if (!(channels === 1 || channels === 2) || !(Number.isInteger(opts.sampleRate) && opts.sampleRate > 0)) {
      throw new RvoipError('RVOIP_ERR_MEDIA_WAV_OPTIONS', `WAV writer for ${path} needs 1 or 2 channels and a positive integer rate (got ${channels}, ${opts.sampleRate})`);
    }
    let handle: FileHandle;
    try {
      handle = await open(path, 'w');
    } catch (err) {
      throw new RvoipError('RVOIP_ERR_MEDIA_WAV_OPEN', `cannot create WAV file ${path}: ${(err as Error).message}`, { path }, { cause: err });
    }
    return new WavWriter(handle, path, opts);
  }

  /** Appends interleaved samples (length a multiple of `channels`). */
  write(samples: Int16Array): void {
    if (this.closed) throw new RvoipError('RVOIP_ERR_MEDIA_WAV_CLOSED', `WAV writer for ${this.path} is closed`);
    if (samples.length % this.channels !== 0) {
      throw new RvoipError('RVOIP_ERR_MEDIA_WAV_FRAME', `WAV writer for ${this.path}: ${samples.length} samples is not a whole number of ${this.channels}-channel frames`);
    }
    const bytes = Buffer.alloc(samples.length * 2);
    for (let i = 0; i < samples.length; i++) bytes.writeInt16LE(samples[i], 2 * i);
    const position = 44 + this.frames * this.channels * 2;
    this.frames += samples.length / this.channels;
    this.queue = this.queue.then(() => this.handle.write(bytes, 0, bytes.length, position)).catch((err: unknown) => {
      this.error ??= err;
    });
  }

  /** Interleaves two mono streams (e.g. both call legs) into one stereo frame. */
  writeStereo(left: Int16Array, right: Int16Array): void {
    const n = Math.max(left.length, right.length);
    const out = new Int16Array(n * 2);
    for (let i = 0; i < n; i++) {
      out[2 * i] = left[i] ?? 0;
      out[2 * i + 1] = right[i] ?? 0;
    }
    this.write(out);
  }

  get durationMs(): number {
    return (this.frames * 1000) / this.sampleRate;
  }

  /** Flushes queued audio, writes the final header and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    try {
      if (!this.error) {
        const dataBytes = this.frames * this.channels * 2;
        await this.handle.write(pcm16Header(this.sampleRate, this.channels, dataBytes), 0, 44, 0);
        await this.handle.truncate(44 + dataBytes);
      }
    } finally {
      await this.handle.close();
    }
    if (this.error) {
      throw new RvoipError('RVOIP_ERR_MEDIA_WAV_WRITE', `writing ${this.path} failed: ${String(this.error)}`, {}, { cause: this.error });
    }
  }
}
