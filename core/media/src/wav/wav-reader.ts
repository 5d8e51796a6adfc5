import { readFileSync } from 'node:fs';
import { RvoipError } from '@rvoip/contracts';
import { alawDecode, ulawDecode } from '../codecs/g711.js';
import { resample } from '../dsp/resampler.js';
import {
  WAVE_FORMAT_ALAW,
  WAVE_FORMAT_EXTENSIBLE,
  WAVE_FORMAT_IEEE_FLOAT,
  WAVE_FORMAT_MULAW,
  WAVE_FORMAT_PCM,
} from './wav-format.js';
import type { WavAudio, WavEncoding } from './wav-format.js';

function fail(what: string, where: string): never {
  throw new RvoipError('RVOIP_ERR_MEDIA_WAV_FORMAT', `${where}: ${what}`, { file: where });
}

/**
 * Reads a whole WAV file synchronously (prompts and test fixtures are small) into 16-bit
 * samples: 8-bit unsigned, 16/24/32-bit PCM, 32-bit float, mu-law and A-law, including
 * WAVE_FORMAT_EXTENSIBLE headers. Unknown chunks (LIST, fact, ...) are skipped; a data
 * size larger than the file (a writer that never fixed its header) reads to the end.
 */
export class WavReader {
  static read(path: string): WavAudio {
    let buf: Buffer;
    try {
      buf = readFileSync(path);
    } catch (err) {
      throw new RvoipError('RVOIP_ERR_MEDIA_WAV_READ', `cannot read WAV file ${path}: ${(err as Error).message}`, { file: path }, { cause: err });
    }
    return WavReader.parse(buf, path);
  }

  /** Reads and converts to mono at `sampleRate` (channels averaged), ready to play into a session. */
  static readMono(path: string, sampleRate: number): Int16Array {
    const wav = WavReader.read(path);
    const mono = toMono(wav.samples, wav.channels);
    return wav.sampleRate === sampleRate ? mono : resample(mono, wav.sampleRate, sampleRate);
  }

  static parse(buf: Buffer, where = 'WAV buffer'): WavAudio {
    if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
      fail('not a RIFF/WAVE file', where);
    }
    let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
    let data: Buffer | undefined;
    let off = 12;
    while (off + 8 <= buf.length) {
      const id = buf.toString('ascii', off, off + 4);
      const size = buf.readUInt32LE(off + 4);
      const body = buf.subarray(off + 8, Math.min(buf.length, off + 8 + size));
      if (id === 'fmt ') {
        if (body.length < 16) fail('fmt chunk shorter than 16 bytes', where);
        let format = body.readUInt16LE(0);
        if (format === WAVE_FORMAT_EXTENSIBLE && body.length >= 26) format = body.readUInt16LE(24);
        fmt = { format, channels: body.readUInt16LE(2), sampleRate: body.readUInt32LE(4), bits: body.readUInt16LE(14) };
      } else if (id === 'data') {
        data = body;
        break;
      }
      off += 8 + size + (size & 1); // chunks are word-aligned
    }
    if (!fmt) fail('no fmt chunk', where);
    if (!data) fail('no data chunk', where);
    if (fmt.channels < 1 || fmt.sampleRate < 1) fail(`invalid fmt (channels ${fmt.channels}, rate ${fmt.sampleRate})`, where);
    const { encoding, samples } = convert(data, fmt.format, fmt.bits, where);
    return { sampleRate: fmt.sampleRate, channels: fmt.channels, samples, encoding };
  }
}

function convert(data: Buffer, format: number, bits: number, where: string): { encoding: WavEncoding; samples: Int16Array } {
  if (format === WAVE_FORMAT_PCM && bits === 8) {
    return { encoding: 'pcm8', samples: Int16Array.from(data, (b) => (b - 128) << 8) };
  }
  if (format === WAVE_FORMAT_PCM && bits === 16) {
    const n = data.length >> 1;
    const out = new Int16Array(n);
    for (let i = 0; i < n; i++) out[i] = data.readInt16LE(2 * i);
    return { encoding: 'pcm16', samples: out };
  }
  if (format === WAVE_FORMAT_PCM && bits === 24) {
    const n = Math.floor(data.length / 3);
    const out = new Int16Array(n);
    for (let i = 0; i < n; i++) out[i] = data.readIntLE(3 * i, 3) >> 8;
    return { encoding: 'pcm24', samples: out };
  }
  if (format === WAVE_FORMAT_PCM && bits === 32) {
    const n = data.length >> 2;
    const out = new Int16Array(n);
    for (let i = 0; i < n; i++) out[i] = data.readInt32LE(4 * i) >> 16;
    return { encoding: 'pcm32', samples: out };
  }
  if (format === WAVE_FORMAT_IEEE_FLOAT && bits === 32) {
    const n = data.length >> 2;
    const out = new Int16Array(n);
    for (let i = 0; i < n; i++) {
      const v = Math.round(data.readFloatLE(4 * i) * 32768);
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return { encoding: 'float32', samples: out };
  }
  if (format === WAVE_FORMAT_MULAW && bits === 8) return { encoding: 'mulaw', samples: Int16Array.from(data, ulawDecode) };
  if (format === WAVE_FORMAT_ALAW && bits === 8) return { encoding: 'alaw', samples: Int16Array.from(data, alawDecode) };
  return fail(`unsupported encoding (format tag ${format}, ${bits} bits)`, where);
}

/** Averages interleaved channels into one. */
export function toMono(samples: Int16Array, channels: number): Int16Array {
  if (channels === 1) return samples;
  const n = Math.floor(samples.length / channels);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i * channels + c];
    out[i] = Math.round(sum / channels);
  }
  return out;
}
