import { WaveformConcealer } from '../dsp/plc.js';
import { allocPcm } from './pcm-pool.js';
import { ALAW_DECODE, ALAW_ENCODE, ULAW_DECODE, ULAW_ENCODE } from './g711-tables.js';
import type { AudioCodec, AudioDecoder, AudioEncoder } from './types.js';

class G711Encoder implements AudioEncoder {
  constructor(private readonly table: Uint8Array) {}

  encode(pcm: Int16Array): Buffer {
    const out = Buffer.allocUnsafe(pcm.length);
    this.encodeInto(pcm, out, 0);
    return out;
  }

  encodeInto(pcm: Int16Array, out: Buffer, offset: number): number {
    const t = this.table;
    for (let i = 0; i < pcm.length; i++) out[offset + i] = t[pcm[i] & 0xffff];
    return pcm.length;
  }

  payloadSize(samples: number): number {
    return samples;
  }
}

class G711Decoder implements AudioDecoder {
  private readonly plc = new WaveformConcealer(8000, true);

  constructor(private readonly table: Int16Array) {}

  decode(payload: Buffer): Int16Array {
    const out = allocPcm(payload.length);
    const t = this.table;
    for (let i = 0; i < payload.length; i++) out[i] = t[payload[i]];
    this.plc.observe(out);
    return out;
  }

  conceal(samples: number): Int16Array {
    return this.plc.conceal(samples);
  }
}

function g711(name: string, payloadType: number, enc: Uint8Array, dec: Int16Array): AudioCodec {
  return {
    name,
    clockRate: 8000,
    sampleRate: 8000,
    channels: 1,
    payloadType,
    frameMs: 20,
    createEncoder: () => new G711Encoder(enc),
    createDecoder: () => new G711Decoder(dec),
  };
}

/** G.711 mu-law, static payload type 0 (RFC 3551). */
export const pcmu: AudioCodec = g711('pcmu', 0, ULAW_ENCODE, ULAW_DECODE);
/** G.711 A-law, static payload type 8 (RFC 3551). */
export const pcma: AudioCodec = g711('pcma', 8, ALAW_ENCODE, ALAW_DECODE);

/** Single-sample helpers, used by the WAV reader for mu-law/A-law files. */
export function ulawDecode(code: number): number {
  return ULAW_DECODE[code & 0xff];
}
export function alawDecode(code: number): number {
  return ALAW_DECODE[code & 0xff];
}
export function ulawEncode(sample: number): number {
  return ULAW_ENCODE[sample & 0xffff];
}
export function alawEncode(sample: number): number {
  return ALAW_ENCODE[sample & 0xffff];
}
