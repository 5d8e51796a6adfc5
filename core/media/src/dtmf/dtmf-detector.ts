import { goertzelPower } from '../dsp/goertzel.js';
import { DTMF_HIGH, DTMF_LOW, digitAt } from './digits.js';

export interface DtmfDetectorOptions {
  /** Called once per key press. */
  onDigit?: (digit: string) => void;
  /** Minimum power per tone as Goertzel power (amplitude^2/4); default ~ -36 dBFS per tone. */
  minTonePower?: number;
  /** Largest allowed level difference row vs column, dB (ITU-T Q.24 allows 8 normal / 4 reverse). */
  maxTwistDb?: number;
  maxReverseTwistDb?: number;
}

/** 205 samples at 8 kHz: the classic block, resolving the DTMF grid (bins ~39 Hz apart). */
const BLOCK = 205;
/** Blocks overlap by half, so two consecutive blocks span 38 ms and 40 ms tones are caught. */
const HOP = 102;
const SAMPLE_RATE = 8000;

/**
 * In-band DTMF detection with Goertzel filters, for peers that send tones instead of
 * RFC 4733 events. A block counts as a digit only if the strongest row and column tones are
 * loud enough, within the twist limits, clearly above the other rows/columns, and carry
 * most of the block's energy (speech and noise spread energy elsewhere). A digit is reported
 * after two consecutive matching (half-overlapping) blocks and not again until the tone stops.
 */
export class DtmfDetector {
  private readonly window = new Int16Array(BLOCK + HOP);
  private fill = 0;
  private sinceBlock = 0;
  private candidate: string | undefined;
  private candidateBlocks = 0;
  private active: string | undefined;
  private silentBlocks = 0;
  private readonly minTonePower: number;
  private readonly maxTwist: number;
  private readonly maxReverseTwist: number;
  private readonly found: string[] = [];

  constructor(private readonly opts: DtmfDetectorOptions = {}) {
    this.minTonePower = opts.minTonePower ?? (32768 * 10 ** (-36 / 20)) ** 2 / 4;
    this.maxTwist = 10 ** ((opts.maxTwistDb ?? 8) / 10);
    this.maxReverseTwist = 10 ** ((opts.maxReverseTwistDb ?? 4) / 10);
  }

  /** Feeds 8 kHz PCM of any length; returns the digits completed by this call. */
  feed(pcm: Int16Array): string[] {
    const out: string[] = [];
    const w = this.window;
    for (let i = 0; i < pcm.length; i++) {
      w[this.fill++] = pcm[i];
      this.sinceBlock++;
      if (this.fill >= BLOCK && this.sinceBlock >= HOP) {
        this.sinceBlock = 0;
        const block = w.subarray(this.fill - BLOCK, this.fill);
        const d = this.step(classifyBlock(block, this.minTonePower, this.maxTwist, this.maxReverseTwist));
        if (d) out.push(d);
        // Keep the newest BLOCK - HOP samples: they start the next (overlapping) block.
        const keep = BLOCK - HOP;
        w.copyWithin(0, this.fill - keep, this.fill);
        this.fill = keep;
      }
    }
    return out;
  }

  /** Every digit detected so far, in order. */
  get digits(): string {
    return this.found.join('');
  }

  reset(): void {
    this.fill = 0;
    this.sinceBlock = 0;
    this.candidate = undefined;
    this.candidateBlocks = 0;
    this.active = undefined;
    this.found.length = 0;
  }

  private step(block: string | undefined): string | undefined {
    if (block === undefined) {
      // Two quiet blocks end a press, so a one-block dropout (noise burst) does not split it.
      if (++this.silentBlocks >= 2) this.active = undefined;
      this.candidate = undefined;
      this.candidateBlocks = 0;
      return undefined;
    }
    this.silentBlocks = 0;
    if (block === this.candidate) this.candidateBlocks++;
    else {
      this.candidate = block;
      this.candidateBlocks = 1;
    }
    if (this.candidateBlocks >= 2 && this.active !== block) {
      this.active = block;
      this.found.push(block);
      this.opts.onDigit?.(block);
      return block;
    }
    return undefined;
  }
}

/** The digit one block holds, or undefined. Exported for tests and offline analysis. */
export function classifyBlock(block: Int16Array, minTonePower: number, maxTwist: number, maxReverseTwist: number): string | undefined {
  const rows = DTMF_LOW.map((f) => goertzelPower(block, SAMPLE_RATE, f));
  const cols = DTMF_HIGH.map((f) => goertzelPower(block, SAMPLE_RATE, f));
  const r = argmax(rows);
  const c = argmax(cols);
  const row = rows[r];
  const col = cols[c];
  if (row < minTonePower || col < minTonePower) return undefined;
  // Twist: the column (high) tone may be weaker than the row by up to maxTwist (normal),
  // or stronger by up to maxReverseTwist.
  if (row > col * maxTwist || col > row * maxReverseTwist) return undefined;
  // Each chosen tone must dominate its group by 6 dB; one tone alone fails the pair test.
  for (let i = 0; i < 4; i++) {
    if (i !== r && rows[i] * 4 > row) return undefined;
    if (i !== c && cols[i] * 4 > col) return undefined;
  }
  // The two tones must carry most of the energy: Goertzel power A^2/4 vs mean square A^2/2.
  let energy = 0;
  for (let i = 0; i < block.length; i++) energy += block[i] * block[i];
  energy /= block.length;
  if (2 * (row + col) < 0.7 * energy) return undefined;
  return digitAt(r, c);
}

function argmax(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
