import { RvoipError } from '@rvoip/contracts';
import { g722 } from './g722.js';
import { pcma, pcmu } from './g711.js';
import { opus } from './opus.js';
import type { AudioCodec, TelephoneEventCodec } from './types.js';

/** RFC 4733 telephone-event at 8 kHz; 101 is the de-facto default dynamic payload type. */
export const telephoneEvent: TelephoneEventCodec = {
  name: 'telephone-event',
  clockRate: 8000,
  payloadType: 101,
  fmtp: '0-16',
};

/** Looks codecs up by their lower-case SDP encoding name; extensible with `register`. */
export class CodecRegistry {
  private readonly codecs = new Map<string, AudioCodec>();
  readonly telephoneEvent: TelephoneEventCodec = telephoneEvent;

  constructor(initial: readonly AudioCodec[] = []) {
    for (const c of initial) this.register(c);
  }

  register(codec: AudioCodec): void {
    this.codecs.set(codec.name.toLowerCase(), codec);
  }

  get(name: string): AudioCodec | undefined {
    return this.codecs.get(name.toLowerCase());
  }

  /** Like `get` but throws a coded error naming the codec. */
  require(name: string): AudioCodec {
    const codec = this.get(name);
    if (!codec) {
      throw new RvoipError('RVOIP_ERR_MEDIA_CODEC_UNKNOWN', `unknown codec "${name}" (known: ${[...this.codecs.keys()].join(', ')})`);
    }
    return codec;
  }

  has(name: string): boolean {
    return this.codecs.has(name.toLowerCase());
  }

  list(): AudioCodec[] {
    return [...this.codecs.values()];
  }

  /** The codec using a static payload type (0 PCMU, 8 PCMA, 9 G722). */
  byStaticPayloadType(pt: number): AudioCodec | undefined {
    if (pt >= 96) return undefined;
    return this.list().find((c) => c.payloadType === pt);
  }
}

export const codecRegistry = new CodecRegistry([pcmu, pcma, g722, opus]);
