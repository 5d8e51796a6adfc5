/**
 * The RTP timestamps of our last packets, by sequence number, so a packet arriving with
 * our own SSRC can be told apart: a copy of something we sent (a loop: an echo peer such
 * as SIPp's `-rtp_echo` returning our stream verbatim) or another participant that picked
 * our SSRC (a collision, RFC 3550 8.2, which needs a new SSRC). Fixed memory, no
 * allocation per packet.
 */
const SIZE = 1024;
const MASK = SIZE - 1;

export class SentHistory {
  private readonly timestamps = new Uint32Array(SIZE);
  /** Sequence number held in each slot, -1 while unused. */
  private readonly seqs = new Int32Array(SIZE).fill(-1);
  private readonly payloadTypes = new Uint8Array(SIZE);

  record(seq: number, timestamp: number, payloadType: number): void {
    const i = seq & MASK;
    this.seqs[i] = seq;
    this.timestamps[i] = timestamp >>> 0;
    this.payloadTypes[i] = payloadType;
  }

  /** True when we sent exactly this (sequence, timestamp, payload type) recently. */
  isOwn(seq: number, timestamp: number, payloadType: number): boolean {
    const i = seq & MASK;
    return this.seqs[i] === seq && this.timestamps[i] === timestamp >>> 0 && this.payloadTypes[i] === payloadType;
  }

  /** A new SSRC starts a new stream: its sequence numbers say nothing about the old one's. */
  clear(): void {
    this.seqs.fill(-1);
  }
}
