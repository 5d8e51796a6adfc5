/** An unbounded async queue: producers push, one `for await` consumer (or `next()` callers) pull. */
export class IncomingQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private readonly waiters: Array<{ resolve: (v: IteratorResult<T>) => void }> = [];
  private done = false;

  push(item: T): void {
    const w = this.waiters.shift();
    if (w) w.resolve({ value: item, done: false });
    else this.items.push(item);
  }

  /** Drops queued items nobody pulled that no longer matter (ended calls), bounding the queue. */
  prune(stale: (item: T) => boolean): void {
    for (let i = this.items.length - 1; i >= 0; i--) if (stale(this.items[i]!)) this.items.splice(i, 1);
  }

  get size(): number {
    return this.items.length;
  }

  end(): void {
    this.done = true;
    for (const w of this.waiters.splice(0)) w.resolve({ value: undefined, done: true });
  }

  next(): Promise<T> {
    return this.pull().then((r) => {
      if (r.done) throw new Error('no more incoming calls: the peer is closed');
      return r.value;
    });
  }

  private pull(): Promise<IteratorResult<T>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiters.push({ resolve }));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return { next: () => this.pull() };
  }
}
