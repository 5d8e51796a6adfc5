/** RTP/RTCP quality figures per call leg, as reported in CDRs and media-stats events. */
export interface MediaStats {
  readonly codec?: string;
  readonly packetsSent: number;
  readonly packetsReceived: number;
  readonly packetsLost: number;
  /** Interarrival jitter in milliseconds (RFC 3550 §6.4.1). */
  readonly jitterMs: number;
  readonly roundTripMs?: number;
  /** Estimated mean opinion score, 1..5. */
  readonly mos?: number;
}
