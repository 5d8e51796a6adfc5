/**
 * Serializes work per key. Two REGISTERs for one AOR must not interleave their
 * read-check-write (RFC 3261 10.3 step 7 compares against the stored bindings), while
 * different AORs proceed in parallel. The tails live in a TransientTable, not a Map: an
 * entry per REGISTER in flight, added and removed thousands of times a second, is the
 * churn that makes a long-lived Map keep requests alive through scavenges.
 */
import { TransientTable } from '@rvoip/sip';

export class KeyedLock {
  private readonly tails = new TransientTable<Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      // Last one out removes the entry so the map stays as small as the live AOR set.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** True while some run for `key` is queued or running. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }

  get size(): number {
    return this.tails.size;
  }
}
