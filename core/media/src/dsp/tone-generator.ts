import { RvoipError } from '@rvoip/contracts';
import { dtmfFrequencies } from '../dtmf/digits.js';

export interface ToneSpec {
  /** One or two frequencies in Hz. */
  frequencies: readonly number[];
  /** Peak amplitude per component, 0..32767 (default 8000, about -12 dBFS each). */
  amplitude?: number;
}

/** An on/off cadence: `onMs` of tone then `offMs` of silence, repeated. */
export interface Cadence {
  onMs: number;
  offMs: number;
}

/** North American ringback (ITU-T E.180 / ANSI T1.401): 440 + 480 Hz, 2 s on 4 s off. */
export const RINGBACK_US: ToneSpec & Cadence = { frequencies: [440, 480], onMs: 2000, offMs: 4000 };
/** European ringback (CEPT/ETSI): 425 Hz, 1 s on 4 s off. */
export const RINGBACK_EU: ToneSpec & Cadence = { frequencies: [425], onMs: 1000, offMs: 4000 };

/** Call-progress tones by name, for IVRs and PBX templates (North American / CEPT). */
export const CALL_PROGRESS_TONES = {
  'ringback-us': RINGBACK_US,
  'ringback-eu': RINGBACK_EU,
  'dial-us': { frequencies: [350, 440] },
  'dial-eu': { frequencies: [425] },
  'busy-us': { frequencies: [480, 620], onMs: 500, offMs: 500 },
  'busy-eu': { frequencies: [425], onMs: 500, offMs: 500 },
  'congestion-us': { frequencies: [480, 620], onMs: 250, offMs: 250 },
  'congestion-eu': { frequencies: [425], onMs: 200, offMs: 200 },
  'call-waiting-us': { frequencies: [440], onMs: 300, offMs: 9700 },
} as const satisfies Record<string, ToneSpec & Partial<Cadence>>;

export type CallProgressTone = keyof typeof CALL_PROGRESS_TONES;

/**
 * Phase-continuous sine generator: successive `next()` calls join without clicks, so a
 * media loop can pull one 20 ms frame at a time. Cadence, if given, gates the output.
 */
export class ToneGenerator {
  private readonly phaseStep: number[];
  private readonly phases: number[];
  private readonly amplitude: number;
  private position = 0;

  constructor(
    private readonly sampleRate: number,
    spec: ToneSpec,
    private readonly cadence?: Cadence,
  ) {
    if (spec.frequencies.length === 0 || spec.frequencies.some((f) => !(f > 0 && f < sampleRate / 2))) {
      throw new RvoipError('RVOIP_ERR_MEDIA_TONE_FREQUENCY', `tone frequencies must be in (0, ${sampleRate / 2}) Hz, got [${spec.frequencies.join(', ')}]`);
    }
    this.amplitude = spec.amplitude ?? 8000;
    if (this.amplitude * spec.frequencies.length > 32767) {
      throw new RvoipError('RVOIP_ERR_MEDIA_TONE_AMPLITUDE', `tone amplitude ${this.amplitude} x ${spec.frequencies.length} components would clip`);
    }
    this.phaseStep = spec.frequencies.map((f) => (2 * Math.PI * f) / sampleRate);
    this.phases = spec.frequencies.map(() => 0);
  }

  static dtmf(sampleRate: number, digit: string, amplitude = 8000): ToneGenerator {
    const [low, high] = dtmfFrequencies(digit);
    return new ToneGenerator(sampleRate, { frequencies: [low, high], amplitude });
  }

  static ringback(sampleRate: number, style: 'us' | 'eu' = 'us'): ToneGenerator {
    const spec = style === 'us' ? RINGBACK_US : RINGBACK_EU;
    return new ToneGenerator(sampleRate, spec, spec);
  }

  /** A named call-progress tone with its cadence (continuous tones have none). */
  static callProgress(sampleRate: number, name: CallProgressTone, amplitude?: number): ToneGenerator {
    const spec: ToneSpec & Partial<Cadence> = CALL_PROGRESS_TONES[name];
    const cadence = spec.onMs !== undefined && spec.offMs !== undefined ? { onMs: spec.onMs, offMs: spec.offMs } : undefined;
    return new ToneGenerator(sampleRate, { frequencies: spec.frequencies, amplitude }, cadence);
  }

  /** The next `samples` samples of the tone. */
  next(samples: number): Int16Array {
    const out = new Int16Array(samples);
    const period = this.cadence ? Math.round(((this.cadence.onMs + this.cadence.offMs) * this.sampleRate) / 1000) : 0;
    const onLen = this.cadence ? Math.round((this.cadence.onMs * this.sampleRate) / 1000) : 0;
    for (let i = 0; i < samples; i++) {
      const on = period === 0 || this.position % period < onLen;
      let v = 0;
      for (let k = 0; k < this.phases.length; k++) {
        if (on) v += Math.sin(this.phases[k]);
        this.phases[k] += this.phaseStep[k];
        if (this.phases[k] > 2 * Math.PI) this.phases[k] -= 2 * Math.PI;
      }
      out[i] = Math.round(v * this.amplitude);
      this.position++;
    }
    return out;
  }

  /** A tone of `ms` milliseconds. */
  static render(sampleRate: number, spec: ToneSpec, ms: number): Int16Array {
    return new ToneGenerator(sampleRate, spec).next(Math.round((sampleRate * ms) / 1000));
  }
}
