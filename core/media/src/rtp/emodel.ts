/**
 * ITU-T G.107 E-model, reduced to the terms a media engine can observe: one-way delay
 * (RTT/2 + jitter buffer + codec delay) and random packet loss with a codec's loss
 * robustness. Default-condition constants (R0 - Is = 93.2) as in G.107 Table 3.
 */
export interface CodecImpairment {
  /** Equipment impairment factor Ie. */
  ie: number;
  /** Packet-loss robustness Bpl. */
  bpl: number;
}

/** G.113 Appendix I values; G.711 with PLC. Wideband codecs use the narrowband scale. */
const IMPAIRMENTS: Record<string, CodecImpairment> = {
  pcmu: { ie: 0, bpl: 25.1 },
  pcma: { ie: 0, bpl: 25.1 },
  g722: { ie: 0, bpl: 25.1 },
  opus: { ie: 0, bpl: 30 },
};

export function codecImpairment(name: string): CodecImpairment {
  return IMPAIRMENTS[name.toLowerCase()] ?? { ie: 10, bpl: 20 };
}

export interface EModelInput {
  /** One-way mouth-to-ear delay in milliseconds. */
  delayMs: number;
  /** Packet loss 0..1. */
  lossFraction: number;
  codec: string;
}

export function rFactor(input: EModelInput): number {
  const d = Math.max(0, input.delayMs);
  const id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
  const { ie, bpl } = codecImpairment(input.codec);
  const ppl = Math.min(100, Math.max(0, input.lossFraction * 100));
  const ieEff = ie + (95 - ie) * (ppl / (ppl + bpl));
  return Math.max(0, Math.min(100, 93.2 - id - ieEff));
}

/** G.107 B.4: R -> MOS-CQE on 1..4.5. */
export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
}
