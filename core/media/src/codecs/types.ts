/**
 * Codec contracts shared by the RTP layer and the DSP code. The RTP engineer codes
 * against these names, so they are kept exactly as the media issue specifies.
 */

/** Encodes one frame of 16-bit linear PCM (at `AudioCodec.sampleRate`) into an RTP payload. */
export interface AudioEncoder {
  encode(pcm: Int16Array): Buffer;
  /**
   * Optional, for fixed-size payloads (G.711): writes the payload of `pcm` into `out` at
   * `offset` and returns its length, so the RTP layer encodes straight into the packet
   * (one buffer per packet instead of a payload and a copy). `payloadSize(pcm.length)`
   * says how much room it needs.
   */
  encodeInto?(pcm: Int16Array, out: Buffer, offset: number): number;
  payloadSize?(samples: number): number;
  close?(): void;
}

/** Decodes RTP payloads and conceals lost frames. */
export interface AudioDecoder {
  decode(payload: Buffer): Int16Array;
  /** Synthesises `samples` PCM samples (at `sampleRate`) to stand in for a lost packet. */
  conceal(samples: number): Int16Array;
  /**
   * Optional: rebuilds a lost frame from redundancy carried in the packet that follows it
   * (Opus in-band FEC, RFC 7587 `useinbandfec`). Falls back to concealment inside the codec
   * when `next` carries none. Call with the jitter buffer's `conceal.next` when present.
   */
  recover?(next: Buffer, samples: number): Int16Array;
  close?(): void;
}

export interface AudioCodec {
  /** Lower-case encoding name as it appears in SDP rtpmap (`pcmu`, `g722`, `opus`). */
  name: string;
  /** RTP timestamp clock; differs from sampleRate for G.722 (8000 vs 16000, RFC 3551 4.5.2). */
  clockRate: number;
  /** PCM sample rate the encoder consumes and the decoder produces. */
  sampleRate: number;
  channels: number;
  /** Static payload type, or the default dynamic one the SDP layer offers. */
  payloadType: number;
  fmtp?: string;
  /** Default packetisation interval. */
  frameMs: number;
  createEncoder(): AudioEncoder;
  createDecoder(): AudioDecoder;
}

/** Describes the RFC 4733 telephone-event payload format; it carries no audio. */
export interface TelephoneEventCodec {
  name: 'telephone-event';
  clockRate: number;
  payloadType: number;
  fmtp: string;
}

/** Samples per frame at the codec's PCM rate (what `encode` expects). */
export function frameSamples(codec: Pick<AudioCodec, 'sampleRate' | 'frameMs'>): number {
  return Math.round((codec.sampleRate * codec.frameMs) / 1000);
}

/** RTP timestamp increment per frame (uses the RTP clock, not the PCM rate). */
export function frameTimestampStep(codec: Pick<AudioCodec, 'clockRate' | 'frameMs'>): number {
  return Math.round((codec.clockRate * codec.frameMs) / 1000);
}
