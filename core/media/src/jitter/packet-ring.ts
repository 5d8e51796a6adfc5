/**
 * The jitter buffer's packet store: a power-of-two ring of slots indexed by extended
 * sequence number, its fields in typed arrays and, for payloads pushed by copy, the bytes
 * in one preallocated slab. Nothing is allocated per packet, so a packet waiting for its
 * playout is no garbage-collected object: at a thousand calls, the packets held for
 * 40-100 ms were most of what each scavenge had to copy, and the Map keyed by sequence
 * number cost a hash lookup per access.
 *
 * Lifetime of a copied payload: its bytes stay in the slot until the packet is taken or
 * removed, and the view `take` returns stays valid until the next `putCopy`, `clear` or
 * `take`/`remove` of the same slot; callers decode it at once. A slot is rewritten only
 * once its packet was taken or removed (or evicted, which the caller counts as overflow).
 */
const NONE = -1;
/** Payloads up to this many bytes are copied into the slab; larger ones get their own copy. */
export const MAX_SLOT_BYTES = 2048;
const MIN_SLOT_BYTES = 160;

export class PacketRing {
  readonly size: number;
  private readonly mask: number;
  private readonly ext: Float64Array;
  private readonly ts: Float64Array;
  private readonly len: Int32Array;
  private readonly pt: Int16Array;
  /** A payload held by reference (push of a caller's Buffer, or one too big for a slot). */
  private readonly refs: Array<Buffer | undefined>;
  private slab: Buffer = Buffer.alloc(0);
  private slotBytes = 0;
  /** One cached view per slot, reused while the payload length stays the same (CBR codecs). */
  private readonly views: Array<Buffer | undefined>;
  count = 0;

  constructor(minSlots: number) {
    let n = 16;
    while (n < minSlots) n *= 2;
    this.size = n;
    this.mask = n - 1;
    this.ext = new Float64Array(n).fill(NONE);
    this.ts = new Float64Array(n);
    this.len = new Int32Array(n);
    this.pt = new Int16Array(n);
    this.refs = new Array<Buffer | undefined>(n).fill(undefined);
    this.views = new Array<Buffer | undefined>(n).fill(undefined);
  }

  has(ext: number): boolean {
    return this.ext[ext & this.mask] === ext;
  }

  /** The extended sequence number held in `ext`'s slot (another packet's when they collide), or -1. */
  occupant(ext: number): number {
    return this.ext[ext & this.mask]!;
  }

  timestampOf(ext: number): number {
    return this.ts[ext & this.mask]!;
  }

  payloadTypeOf(ext: number): number {
    return this.pt[ext & this.mask]!;
  }

  /** Stores a packet whose payload the caller hands over (kept by reference). */
  putRef(ext: number, timestamp: number, payload: Buffer, payloadType: number): void {
    const i = this.claim(ext, timestamp, payloadType);
    this.refs[i] = payload;
    this.len[i] = payload.length;
  }

  /** Stores a packet by copying `bytes[start, end)` into the slot: `bytes` stays the caller's. */
  putCopy(ext: number, timestamp: number, bytes: Uint8Array, start: number, end: number, payloadType: number): void {
    const n = end - start;
    if (n > MAX_SLOT_BYTES) {
      this.putRef(ext, timestamp, Buffer.from(bytes.subarray(start, end)), payloadType);
      return;
    }
    if (n > this.slotBytes) this.grow(n);
    const i = this.claim(ext, timestamp, payloadType);
    this.refs[i] = undefined;
    this.len[i] = n;
    const slab = this.slab;
    const at = i * this.slotBytes;
    // A plain loop: for an audio payload it beats making a subarray view just to copy it.
    for (let k = 0; k < n; k++) slab[at + k] = bytes[start + k]!;
  }

  /** Removes `ext` and returns its payload (a view into the slab for copied payloads). */
  take(ext: number): Buffer | undefined {
    const i = ext & this.mask;
    if (this.ext[i] !== ext) return undefined;
    const out = this.payloadAt(i);
    this.free(i);
    return out;
  }

  /** The payload of a buffered packet without removing it (FEC look-ahead). */
  peek(ext: number): Buffer | undefined {
    const i = ext & this.mask;
    return this.ext[i] === ext ? this.payloadAt(i) : undefined;
  }

  remove(ext: number): boolean {
    const i = ext & this.mask;
    if (this.ext[i] !== ext) return false;
    this.free(i);
    return true;
  }

  /** Lowest extended sequence number held, or -1 when empty (a scan: start and overflow only). */
  lowest(): number {
    if (this.count === 0) return NONE;
    let min = Infinity;
    for (let i = 0; i < this.size; i++) {
      const e = this.ext[i]!;
      if (e !== NONE && e < min) min = e;
    }
    return min;
  }

  clear(): void {
    this.ext.fill(NONE);
    this.refs.fill(undefined);
    this.count = 0;
  }

  private claim(ext: number, timestamp: number, payloadType: number): number {
    const i = ext & this.mask;
    if (this.ext[i] === NONE) this.count++;
    this.ext[i] = ext;
    this.ts[i] = timestamp;
    this.pt[i] = payloadType;
    return i;
  }

  private free(i: number): void {
    this.ext[i] = NONE;
    this.refs[i] = undefined;
    this.count--;
  }

  private payloadAt(i: number): Buffer {
    const ref = this.refs[i];
    if (ref) return ref;
    const n = this.len[i]!;
    let v = this.views[i];
    if (!v || v.length !== n) {
      v = this.slab.subarray(i * this.slotBytes, i * this.slotBytes + n);
      this.views[i] = v;
    }
    return v;
  }

  /** A larger payload than before: re-lay the slab (held payloads move with it). */
  private grow(n: number): void {
    const bytes = Math.min(MAX_SLOT_BYTES, Math.max(MIN_SLOT_BYTES, (n + 15) & ~15));
    const slab = Buffer.allocUnsafeSlow(bytes * this.size);
    for (let i = 0; i < this.size; i++) {
      if (this.ext[i] !== NONE && !this.refs[i]) this.slab.copy(slab, i * bytes, i * this.slotBytes, i * this.slotBytes + this.len[i]!);
    }
    this.slab = slab;
    this.slotBytes = bytes;
    this.views.fill(undefined);
  }
}
