/**
 * Serializes work per key. Two REGISTERs for one AOR must not interleave their
 * read-check-write (RFC 3261 10.3 step 7 compares against the stored bindings), while
 * different AORs proceed in parallel.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

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
