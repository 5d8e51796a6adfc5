import {
  OPUS_SET_BITRATE,
  OPUS_SET_COMPLEXITY,
  OPUS_SET_INBAND_FEC,
  OPUS_SET_PACKET_LOSS_PERC,
  OpusWasmDecoder,
  OpusWasmEncoder,
} from './opus-wasm.js';
import type { AudioCodec, AudioDecoder, AudioEncoder } from './types.js';

/** Opus frames come in multiples of 2.5 ms; PLC must be asked for such a multiple. */
const PLC_QUANTUM = 120;

export interface OpusOptions {
  /** Target bitrate in bit/s (default 32000: transparent wideband voice). */
  bitrate?: number;
  /** Expected loss in percent; tunes in-band FEC (default 5). */
  packetLossPercent?: number;
  /** Encoder complexity 0-10 (libopus default 10); lower trades quality for CPU on busy servers. */
  complexity?: number;
}

class OpusEncoder implements AudioEncoder {
  private readonly enc = new OpusWasmEncoder(48000, 1);

  constructor(opts: OpusOptions) {
    try {
      this.enc.ctl(OPUS_SET_BITRATE, opts.bitrate ?? 32000);
      this.enc.ctl(OPUS_SET_INBAND_FEC, 1);
      this.enc.ctl(OPUS_SET_PACKET_LOSS_PERC, opts.packetLossPercent ?? 5);
      if (opts.complexity !== undefined) this.enc.ctl(OPUS_SET_COMPLEXITY, opts.complexity);
    } catch (err) {
      this.enc.close(); // wasm memory is not garbage-collected
      throw err;
    }
  }

  encode(pcm: Int16Array): Buffer {
    return this.enc.encode(pcm);
  }

  close(): void {
    this.enc.close();
  }
}

class OpusDecoder implements AudioDecoder {
  private readonly dec = new OpusWasmDecoder(48000, 1);

  decode(payload: Buffer): Int16Array {
    return this.dec.decode(payload);
  }

  /** libopus PLC (pitch-synchronous in SILK, spectral in CELT), always `samples` long. */
  conceal(samples: number): Int16Array {
    const asked = Math.ceil(samples / PLC_QUANTUM) * PLC_QUANTUM;
    const out = this.dec.decode(null, asked);
    return out.length === samples ? out : out.slice(0, samples);
  }

  /** In-band FEC: libopus decodes the LBRR copy of the lost frame carried in `next`. */
  recover(next: Buffer, samples: number): Int16Array {
    const asked = Math.ceil(samples / PLC_QUANTUM) * PLC_QUANTUM;
    const out = this.dec.decode(next, asked, true);
    return out.length === samples ? out : out.slice(0, samples);
  }

  close(): void {
    this.dec.close();
  }
}

/**
 * Opus (RFC 7587): RTP clock always 48000 and rtpmap always `opus/48000/2`, hence
 * `channels: 2`; the PCM this codec consumes and produces is mono 48 kHz (libopus
 * down-mixes a stereo stream on decode). Payload type 111 is the customary dynamic one.
 */
export function createOpusCodec(opts: OpusOptions = {}): AudioCodec {
  return {
    name: 'opus',
    clockRate: 48000,
    sampleRate: 48000,
    channels: 2,
    payloadType: 111,
    fmtp: 'minptime=10;useinbandfec=1',
    frameMs: 20,
    createEncoder: () => new OpusEncoder(opts),
    createDecoder: () => new OpusDecoder(),
  };
}

export const opus: AudioCodec = createOpusCodec();
