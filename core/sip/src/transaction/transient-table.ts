/**
 * A string-keyed table for entries that come and go by the thousand per second (live
 * transactions by key), with the subset of Map's API the transaction layer uses.
 *
 * Why not a Map: V8 rehashes a Map's table as it grows and shrinks, and the replaced
 * table keeps pointing at the new one (for live iterators) and at the entries it held.
 * A long-lived Map's table is promoted to the old generation, so every table after it,
 * with the transactions, requests and responses they held, is kept through scavenges
 * until the next full GC. A server answering requests asynchronously (digest lookups,
 * storage writes: any real handler) has a few dozen transactions open at a time, enough
 * for the Maps to resize continuously: on the transaction-layer probe (OPTIONS from SIPp,
 * answered from a microtask) scavenges promoted 150-200 MB per 25 scavenges with Maps
 * and 0.1 MB without them.
 *
 * This table is open addressing with linear probing and backward-shift deletion (no
 * tombstones, so churn never forces a rehash), never shrinks, clears a vacated slot's key
 * and value, and clears its old arrays after growing, so nothing it dropped stays
 * reachable from it.
 */
const EMPTY = 0;
const LIVE = 1;
const MIN_SLOTS = 64;

/** FNV-1a over UTF-16 code units: keys are short ASCII text. */
export function hashOfKey(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h | 0;
}

export class TransientTable<V> {
  private state = new Uint8Array(MIN_SLOTS);
  private hashes = new Int32Array(MIN_SLOTS);
  private keys: Array<string | undefined> = new Array<string | undefined>(MIN_SLOTS).fill(undefined);
  private vals: Array<V | undefined> = new Array<V | undefined>(MIN_SLOTS).fill(undefined);
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    const i = this.slotOf(key, hashOfKey(key));
    return i < 0 ? undefined : this.vals[i];
  }

  has(key: string): boolean {
    return this.slotOf(key, hashOfKey(key)) >= 0;
  }

  set(key: string, value: V): void {
    const h = hashOfKey(key);
    const at = this.slotOf(key, h);
    if (at >= 0) {
      this.vals[at] = value;
      return;
    }
    if ((this.count + 1) * 2 > this.state.length) this.grow();
    const mask = this.state.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      if (this.state[i] === LIVE) continue;
      this.state[i] = LIVE;
      this.hashes[i] = h;
      this.keys[i] = key;
      this.vals[i] = value;
      this.count++;
      return;
    }
  }

  delete(key: string): boolean {
    let i = this.slotOf(key, hashOfKey(key));
    if (i < 0) return false;
    this.count--;
    // Backward shift (Knuth 6.4, algorithm R): later entries of the probe run move up into
    // the hole unless their home slot lies cyclically after it, so lookups never need tombstones.
    const mask = this.state.length - 1;
    for (let j = (i + 1) & mask; this.state[j] === LIVE; j = (j + 1) & mask) {
      const home = this.hashes[j]! & mask;
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      this.hashes[i] = this.hashes[j]!;
      this.keys[i] = this.keys[j];
      this.vals[i] = this.vals[j];
      i = j;
    }
    this.state[i] = EMPTY;
    this.keys[i] = undefined;
    this.vals[i] = undefined;
    return true;
  }

  clear(): void {
    this.state.fill(EMPTY);
    this.keys.fill(undefined);
    this.vals.fill(undefined);
    this.count = 0;
  }

  /** The live values, as an array (a snapshot: safe to change the table while walking it). */
  values(): V[] {
    const out: V[] = [];
    for (let i = 0; i < this.state.length; i++) if (this.state[i] === LIVE) out.push(this.vals[i]!);
    return out;
  }

  private slotOf(key: string, h: number): number {
    const mask = this.state.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = this.state[i]!;
      if (s === EMPTY) return -1;
      if (this.hashes[i] === h && this.keys[i] === key) return i;
    }
  }

  /** Doubles the table (half full at most) and rehashes the live entries into it. */
  private grow(): void {
    const { state, hashes, keys, vals } = this;
    const slots = state.length * 2;
    this.state = new Uint8Array(slots);
    this.hashes = new Int32Array(slots);
    this.keys = new Array<string | undefined>(slots).fill(undefined);
    this.vals = new Array<V | undefined>(slots).fill(undefined);
    const mask = slots - 1;
    for (let i = 0; i < state.length; i++) {
      if (state[i] !== LIVE) continue;
      let j = hashes[i]! & mask;
      while (this.state[j] !== EMPTY) j = (j + 1) & mask;
      this.state[j] = LIVE;
      this.hashes[j] = hashes[i]!;
      this.keys[j] = keys[i];
      this.vals[j] = vals[i];
    }
    // The old arrays may already be in the old generation: emptied, they keep nothing alive.
    keys.fill(undefined);
    vals.fill(undefined);
  }
}
