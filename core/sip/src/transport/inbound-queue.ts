/**
 * Overload protection at the transport edge. Parsed messages wait here before the
 * handler sees them; a burst that outruns the handler fills the queue, and beyond the
 * cap new requests are refused with 503 (by the caller) instead of piling up memory and
 * latency. Responses and ACKs are always admitted: they finish work already accepted.
 */
export interface InboundQueueOptions {
  /** Messages waiting or in the handler before new requests are shed. Default 5,000. */
  cap?: number;
  /** Handler invocations allowed to be pending at once (async handlers). Default 256. */
  concurrency?: number;
}

export interface InboundQueueStats {
  depth: number;
  inFlight: number;
  admitted: number;
  shed: number;
  handlerErrors: number;
}

export class InboundQueue<T> {
  private readonly items: T[] = [];
  private readonly cap: number;
  private readonly concurrency: number;
  private inFlight = 0;
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;
  readonly stats: InboundQueueStats = { depth: 0, inFlight: 0, admitted: 0, shed: 0, handlerErrors: 0 };

  constructor(
    private readonly handle: (item: T) => void | Promise<void>,
    private readonly onHandlerError: (err: unknown, item: T) => void,
    opts: InboundQueueOptions = {},
  ) {
    this.cap = opts.cap ?? 5_000;
    this.concurrency = opts.concurrency ?? 256;
  }

  /** Whether a sheddable message would be refused right now. */
  get overloaded(): boolean {
    return this.items.length + this.inFlight >= this.cap;
  }

  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    this.stats.admitted++;
    this.stats.depth = this.items.length;
    this.schedule();
  }

  /** Counts a message the caller refused because of `overloaded`. */
  noteShed(): void {
    this.stats.shed++;
  }

  close(): void {
    this.closed = true;
    this.items.length = 0;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
  }

  // Dispatch runs on the next turn so a burst arriving in one I/O phase is queued, and
  // counted, before any of it is handled.
  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.closed && this.inFlight < this.concurrency && this.items.length > 0) {
      const item = this.items.shift()!;
      this.stats.depth = this.items.length;
      this.inFlight++;
      this.stats.inFlight = this.inFlight;
      let result: void | Promise<void>;
      try {
        result = this.handle(item);
      } catch (err) {
        this.onHandlerError(err, item);
        this.stats.handlerErrors++;
        this.done();
        continue;
      }
      if (result && typeof (result as Promise<void>).then === 'function') {
        (result as Promise<void>).then(
          () => this.done(true),
          (err: unknown) => {
            this.stats.handlerErrors++;
            this.onHandlerError(err, item);
            this.done(true);
          },
        );
      } else {
        this.done();
      }
    }
  }

  private done(async = false): void {
    this.inFlight--;
    this.stats.inFlight = this.inFlight;
    if (async && this.items.length > 0) this.schedule();
  }
}
