/**
 * Replay protection for qop digest: the nc values seen per nonce, in fixed memory.
 *
 * Every nonce carries the sequence number it was issued under and the id of the issuing
 * tracker (see nonce.ts). The last `capacity` sequence numbers own one slot each of a
 * ring (Kamailio's nonce-id pool works the same way), holding the highest nc seen and a
 * 32-wide bitmap below it (the IPsec anti-replay window), so requests reordered by UDP
 * still pass while a repeated nc is caught. A nonce older than the ring, or issued by
 * another tracker (another worker, or this server before a restart), is `unknown`, which
 * the server answers with stale=true: the client retries on a fresh nonce at once, and
 * nothing it sent before can be replayed.
 *
 * Why not a map of nonce strings: eviction by first use rather than by issue order made
 * credentials that waited in a queue under load look evicted, and a map of strings is
 * garbage the collector walks on every REGISTER; the ring is four typed arrays.
 */
import { randomBytes } from 'node:crypto';

const WINDOW = 32;

export type NonceCountResult = 'fresh' | 'replay' | 'unknown';

export class NonceCountTracker {
  /** Random per tracker: nonces name their issuer, so one tracker never judges another's. */
  readonly issuerId = randomBytes(4).readUInt32BE(0);
  private readonly mask: number;
  private readonly slotSeq: Uint32Array;
  private readonly highest: Uint32Array;
  private readonly seen: Uint32Array;
  private readonly used: Uint8Array;
  private latest = 0;
  private issuedAny = false;
  private tracked = 0;

  /** `capacity` is rounded up to a power of two (at least 64). */
  constructor(capacity: number) {
    const size = 2 ** Math.max(6, Math.ceil(Math.log2(Math.max(1, capacity))));
    this.mask = size - 1;
    this.slotSeq = new Uint32Array(size);
    this.highest = new Uint32Array(size);
    this.seen = new Uint32Array(size);
    this.used = new Uint8Array(size);
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** The sequence number for the next nonce; its slot is cleared for it. */
  nextSeq(): number {
    const seq = this.issuedAny ? (this.latest + 1) >>> 0 : 0;
    this.latest = seq;
    this.issuedAny = true;
    const slot = seq & this.mask;
    if (this.used[slot] === 1) this.tracked--;
    this.used[slot] = 0;
    return seq;
  }

  /** Records nc (1..2^32-1) for the nonce (issuer, seq); `replay` if seen or below the window. */
  record(issuer: number, seq: number, nc: number): NonceCountResult {
    if (issuer !== this.issuerId || !this.issuedAny) return 'unknown';
    // Unsigned distance back from the newest nonce: beyond the ring, the slot is someone else's.
    if (((this.latest - seq) >>> 0) > this.mask) return 'unknown';
    if (!Number.isInteger(nc) || nc < 1 || nc > 0xffff_ffff) return 'replay';
    const slot = seq & this.mask;
    if (this.used[slot] === 0 || this.slotSeq[slot] !== seq) {
      this.used[slot] = 1;
      this.slotSeq[slot] = seq;
      this.highest[slot] = nc;
      this.seen[slot] = 1;
      this.tracked++;
      return 'fresh';
    }
    const top = this.highest[slot]!;
    if (nc > top) {
      const shift = nc - top;
      this.seen[slot] = shift >= WINDOW ? 1 : ((this.seen[slot]! << shift) | 1) >>> 0;
      this.highest[slot] = nc;
      return 'fresh';
    }
    const offset = top - nc;
    if (offset >= WINDOW) return 'replay';
    const bit = (1 << offset) >>> 0;
    if ((this.seen[slot]! & bit) !== 0) return 'replay';
    this.seen[slot] = (this.seen[slot]! | bit) >>> 0;
    return 'fresh';
  }

  /** Nonces with at least one nc recorded that still own their slot. */
  get size(): number {
    return this.tracked;
  }
}
