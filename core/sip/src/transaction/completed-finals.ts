/**
 * Completed non-INVITE server transactions over UDP, kept as bytes (RFC 3261 17.2.2).
 *
 * For Timer J (64*T1, 32 s) a Completed non-INVITE server transaction does one thing:
 * answer a retransmission of its request with its final response. Keeping the whole
 * transaction for that (request, response, header caches, a timer, TU listeners) cost a
 * busy registrar about 6 KB per REGISTER, hundreds of MB at 10k REGISTER/s. So the
 * transaction object terminates when its final is sent (as it does on TCP, where J is
 * zero) and this store keeps only the final's wire bytes, where they went and the keys
 * that find them.
 *
 * No JavaScript object per entry either. Entries used to be small objects (two key
 * strings, a Buffer, the source) in two Maps for 32 s: about 2 KB each with the Buffer
 * pool slab they pinned, and every one of them copied by a scavenge and promoted. Now an
 * entry is a record appended to its segment's byte buffer (about the final's size plus
 * 120 bytes), and the two indexes (transaction key, 8.2.2.2 merge key) are open-addressing
 * tables of typed arrays holding (hash, segment, offset). A lookup allocates nothing unless
 * it finds an entry. On the transaction-layer probe (OPTIONS from SIPp answered at once),
 * what scavenges promoted went from 27 MB per 25 scavenges to 0.1 MB.
 *
 * Every entry lives the same J, so insertion order is expiry order: entries are grouped
 * into segments opened every `granularity` ms, each with one expiry timer at J plus the
 * granularity, so an entry lives between J and J + granularity. An expired segment's
 * index slots become tombstones, reused by later inserts and dropped when a table is
 * rebuilt.
 */
import type { TimerHandle, TimerScheduler } from './timers.js';
import type { TransactionSource } from './transport.js';
import { hashOfKey as hashOf } from './transient-table.js';

export interface CompletedFinal {
  /** The server transaction key (17.2.3) retransmissions carry. */
  readonly key: string;
  /** The 8.2.2.2 merge key when the request had no To tag. */
  readonly mergeKey: string | undefined;
  /** The final response exactly as it was sent. */
  readonly wire: Buffer;
  readonly source: TransactionSource;
}

interface Segment {
  readonly seq: number;
  buf: Buffer;
  used: number;
  count: number;
}

/**
 * Record header: u16 key bytes, u16 merge key bytes, u32 wire bytes, u16 remote port,
 * u16 local port, u8 protocol bytes, u8 remote address bytes, u8 local address bytes,
 * u8 flags (which optional parts are present); then key, merge key, protocol, remote
 * address, local address, wire.
 */
const HEAD = 16;
const HAS_MERGE = 1;
const HAS_LOCAL_ADDRESS = 2;
const HAS_LOCAL_PORT = 4;
/** Field widths: longer keys or addresses (no real peer sends them) are not kept. */
const MAX_KEY_BYTES = 0xffff;
const MAX_ADDRESS_BYTES = 0xff;
const FIRST_SEGMENT_BYTES = 64 * 1024;
const MIN_SLOTS = 1024;
const EMPTY = -1;

/** Whether `s` takes at most `max` bytes in UTF-8 (3 per UTF-16 unit at most; exact only when that bound is exceeded). */
function fits(s: string, max: number): boolean {
  return s.length * 3 <= max || Buffer.byteLength(s, 'utf8') <= max;
}


/** One open-addressing index: slot i holds (hash, segment seq, record offset) or EMPTY. */
class SlotTable {
  hashes: Int32Array;
  segs: Int32Array;
  offs: Int32Array;
  /** Slots not EMPTY: live entries plus tombstones of expired segments. */
  filled = 0;

  constructor(slots: number) {
    this.hashes = new Int32Array(slots);
    this.segs = new Int32Array(slots).fill(EMPTY);
    this.offs = new Int32Array(slots);
  }

  get mask(): number {
    return this.segs.length - 1;
  }
}

export class CompletedFinals {
  /** Live segments, oldest first; their seqs are consecutive from `firstLive`. */
  private segments: Segment[] = [];
  private firstLive = 0;
  private nextSeq = 0;
  private open: Segment | undefined;
  private live = 0;
  private byKey = new SlotTable(MIN_SLOTS);
  private byMerge = new SlotTable(MIN_SLOTS);
  private readonly timers = new Set<TimerHandle>();

  constructor(
    private readonly scheduler: TimerScheduler,
    private readonly lifetimeMs: number,
    private readonly granularityMs: number,
  ) {}

  get size(): number {
    return this.live;
  }

  get(key: string): CompletedFinal | undefined {
    const slot = this.find(this.byKey, key, hashOf(key), 0);
    return slot < 0 ? undefined : this.materialize(this.byKey, slot, key);
  }

  getMerged(mergeKey: string): CompletedFinal | undefined {
    const slot = this.find(this.byMerge, mergeKey, hashOf(mergeKey), 1);
    return slot < 0 ? undefined : this.materialize(this.byMerge, slot, undefined);
  }

  /** False when the entry cannot be kept (a key or address too long for its field). */
  add(key: string, mergeKey: string | undefined, wire: Buffer, source: TransactionSource): boolean {
    if (!fits(key, MAX_KEY_BYTES) || (mergeKey !== undefined && !fits(mergeKey, MAX_KEY_BYTES))) return false;
    if (!fits(source.protocol, MAX_ADDRESS_BYTES) || !fits(source.remoteAddress, MAX_ADDRESS_BYTES)) return false;
    if (source.localAddress !== undefined && !fits(source.localAddress, MAX_ADDRESS_BYTES)) return false;
    const seg = this.segment();
    const off = this.append(seg, key, mergeKey, wire, source);
    seg.count++;
    this.live++;
    const h = hashOf(key);
    // The latest final for a key wins, as a Map's set would.
    const same = this.find(this.byKey, key, h, 0);
    if (same >= 0) {
      this.byKey.segs[same] = seg.seq;
      this.byKey.offs[same] = off;
    } else {
      this.insert('byKey', h, seg.seq, off);
    }
    // The first request of a merge key is the one later copies merge with.
    if (mergeKey !== undefined) {
      const mh = hashOf(mergeKey);
      if (this.find(this.byMerge, mergeKey, mh, 1) < 0) this.insert('byMerge', mh, seg.seq, off);
    }
    return true;
  }

  /** Drops everything (layer closed). */
  clear(): void {
    for (const t of this.timers) this.scheduler.clearTimeout(t);
    this.timers.clear();
    this.segments = [];
    this.firstLive = this.nextSeq;
    this.open = undefined;
    this.live = 0;
    this.byKey = new SlotTable(MIN_SLOTS);
    this.byMerge = new SlotTable(MIN_SLOTS);
  }

  private segmentOf(seq: number): Segment | undefined {
    return seq < this.firstLive ? undefined : this.segments[seq - this.firstLive];
  }

  /** Slot of the live entry whose key (which = 0) or merge key (which = 1) is `text`, else -1. */
  private find(t: SlotTable, text: string, h: number, which: 0 | 1): number {
    const mask = t.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const seq = t.segs[i]!;
      if (seq === EMPTY) return -1;
      if (t.hashes[i] !== h) continue;
      const seg = this.segmentOf(seq);
      if (seg !== undefined && this.textAt(seg, t.offs[i]!, which) === text) return i;
    }
  }

  private insert(which: 'byKey' | 'byMerge', h: number, seq: number, off: number): void {
    let t = this[which];
    if ((t.filled + 1) * 2 > t.segs.length) t = this[which] = this.rebuilt(t);
    const mask = t.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = t.segs[i]!;
      // An empty slot or a tombstone (its segment expired) takes the entry.
      if (s !== EMPTY && s >= this.firstLive) continue;
      if (s === EMPTY) t.filled++;
      t.hashes[i] = h;
      t.segs[i] = seq;
      t.offs[i] = off;
      return;
    }
  }

  /** The table with tombstones dropped, sized for four times the live entries it holds. */
  private rebuilt(old: SlotTable): SlotTable {
    let live = 0;
    for (let i = 0; i < old.segs.length; i++) if (old.segs[i]! >= this.firstLive) live++;
    let slots = MIN_SLOTS;
    while (slots < (live + 1) * 4) slots *= 2;
    const t = new SlotTable(slots);
    const mask = t.mask;
    for (let i = 0; i < old.segs.length; i++) {
      const seq = old.segs[i]!;
      if (seq < this.firstLive) continue;
      let j = old.hashes[i]! & mask;
      while (t.segs[j] !== EMPTY) j = (j + 1) & mask;
      t.hashes[j] = old.hashes[i]!;
      t.segs[j] = seq;
      t.offs[j] = old.offs[i]!;
      t.filled++;
    }
    return t;
  }

  private textAt(seg: Segment, off: number, which: 0 | 1): string | undefined {
    const buf = seg.buf;
    const keyLen = buf.readUInt16LE(off);
    if (which === 0) return buf.toString('utf8', off + HEAD, off + HEAD + keyLen);
    if ((buf[off + 15]! & HAS_MERGE) === 0) return undefined;
    const mergeLen = buf.readUInt16LE(off + 2);
    const at = off + HEAD + keyLen;
    return buf.toString('utf8', at, at + mergeLen);
  }

  private materialize(t: SlotTable, slot: number, key: string | undefined): CompletedFinal {
    const seg = this.segmentOf(t.segs[slot]!)!;
    const off = t.offs[slot]!;
    const buf = seg.buf;
    const keyLen = buf.readUInt16LE(off);
    const mergeLen = buf.readUInt16LE(off + 2);
    const wireLen = buf.readUInt32LE(off + 4);
    const remotePort = buf.readUInt16LE(off + 8);
    const localPort = buf.readUInt16LE(off + 10);
    const flags = buf[off + 15]!;
    let at = off + HEAD;
    const storedKey = key ?? buf.toString('utf8', at, at + keyLen);
    at += keyLen;
    let mergeKey: string | undefined;
    if ((flags & HAS_MERGE) !== 0) {
      mergeKey = buf.toString('utf8', at, at + mergeLen);
      at += mergeLen;
    }
    const protocolLen = buf[off + 12]!;
    const protocol = buf.toString('utf8', at, at + protocolLen);
    at += protocolLen;
    const remoteLen = buf[off + 13]!;
    const remoteAddress = buf.toString('utf8', at, at + remoteLen);
    at += remoteLen;
    const localLen = buf[off + 14]!;
    const source: TransactionSource = { protocol, remoteAddress, remotePort };
    if ((flags & HAS_LOCAL_ADDRESS) !== 0) {
      source.localAddress = buf.toString('utf8', at, at + localLen);
      at += localLen;
    }
    if ((flags & HAS_LOCAL_PORT) !== 0) source.localPort = localPort;
    // A copy: the segment's buffer is reused for growth and dropped at expiry.
    const wire = Buffer.from(buf.subarray(at, at + wireLen));
    return { key: storedKey, mergeKey, wire, source };
  }

  /** Writes one record at the end of `seg`, growing its buffer when needed; returns its offset. */
  private append(seg: Segment, key: string, mergeKey: string | undefined, wire: Buffer, source: TransactionSource): number {
    const local = source.localAddress;
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const bound = HEAD + 3 * (key.length + (mergeKey?.length ?? 0) + source.protocol.length + source.remoteAddress.length + (local?.length ?? 0)) + wire.length;
    if (seg.used + bound > seg.buf.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(seg.buf.length * 2, seg.used + bound));
      seg.buf.copy(grown, 0, 0, seg.used);
      seg.buf = grown;
    }
    const buf = seg.buf;
    const off = seg.used;
    let at = off + HEAD;
    const keyLen = buf.write(key, at, 'utf8');
    at += keyLen;
    let mergeLen = 0;
    let flags = 0;
    if (mergeKey !== undefined) {
      flags |= HAS_MERGE;
      mergeLen = buf.write(mergeKey, at, 'utf8');
      at += mergeLen;
    }
    const protocolLen = buf.write(source.protocol, at, 'utf8');
    at += protocolLen;
    const remoteLen = buf.write(source.remoteAddress, at, 'utf8');
    at += remoteLen;
    let localLen = 0;
    if (local !== undefined) {
      flags |= HAS_LOCAL_ADDRESS;
      localLen = buf.write(local, at, 'utf8');
      at += localLen;
    }
    at += wire.copy(buf, at);
    buf.writeUInt16LE(keyLen, off);
    buf.writeUInt16LE(mergeLen, off + 2);
    buf.writeUInt32LE(wire.length, off + 4);
    buf.writeUInt16LE(source.remotePort, off + 8);
    if (source.localPort !== undefined) flags |= HAS_LOCAL_PORT;
    buf.writeUInt16LE(source.localPort ?? 0, off + 10);
    buf[off + 12] = protocolLen;
    buf[off + 13] = remoteLen;
    buf[off + 14] = localLen;
    buf[off + 15] = flags;
    seg.used = at;
    return off;
  }

  private segment(): Segment {
    if (this.open !== undefined) return this.open;
    const seg: Segment = { seq: this.nextSeq++, buf: Buffer.allocUnsafeSlow(FIRST_SEGMENT_BYTES), used: 0, count: 0 };
    this.segments.push(seg);
    this.open = seg;
    const close = this.scheduler.setTimeout(() => {
      this.timers.delete(close);
      if (this.open === seg) this.open = undefined;
    }, this.granularityMs);
    const expire = this.scheduler.setTimeout(() => {
      this.timers.delete(expire);
      this.expireThrough(seg.seq);
    }, this.lifetimeMs + this.granularityMs);
    this.timers.add(close);
    this.timers.add(expire);
    return seg;
  }

  /** Segments up to `seq` are gone; their index slots turn into tombstones. */
  private expireThrough(seq: number): void {
    while (this.segments.length > 0 && this.firstLive <= seq) {
      const gone = this.segments.shift()!;
      if (this.open === gone) this.open = undefined;
      this.live -= gone.count;
      this.firstLive++;
    }
  }
}
