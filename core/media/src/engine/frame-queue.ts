/**
 * One consumer's bounded queue behind `MediaSession.frames()`. A slow consumer loses the
 * oldest frames rather than growing memory without bound: live audio that is a second
 * late is worth less than audio that is current. Leaving a `for await` loop ends only
 * this queue (`onEnd` unsubscribes it), so a bridge can stop and another reader start.
 */
export class FrameQueue implements AsyncIterable<Int16Array> {
  private readonly items: Int16Array[] = [];
  private waiter: ((r: IteratorResult<Int16Array>) => void) | undefined;
  private ended = false;
  dropped = 0;
  onEnd: (() => void) | undefined;

  constructor(private readonly capacity = 50) {}

  push(frame: Int16Array): void {
    if (this.ended) return;
    const w = this.waiter;
    if (w) {
      this.waiter = undefined;
      w({ value: frame, done: false });
      return;
    }
    if (this.items.length >= this.capacity) {
      this.items.shift();
      this.dropped++;
    }
    this.items.push(frame);
  }

  end(): void {
    if (!this.ended) this.onEnd?.();
    this.ended = true;
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ value: undefined, done: true });
  }

  get isEnded(): boolean {
    return this.ended;
  }

  [Symbol.asyncIterator](): AsyncIterator<Int16Array> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item) return Promise.resolve({ value: item, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.waiter = resolve;
        });
      },
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
