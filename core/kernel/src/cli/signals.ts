/**
 * Catches SIGINT/SIGTERM from the moment `rvoip start` begins, so a signal during boot
 * still ends in an orderly stop (and exit 0) instead of Node's default kill.
 */
export class SignalLatch {
  private received: NodeJS.Signals | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private waiter: ((signal: NodeJS.Signals) => void) | undefined;
  private readonly handler = (signal: NodeJS.Signals): void => {
    this.received ??= signal;
    this.waiter?.(signal);
  };

  constructor(private readonly signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']) {
    for (const s of signals) process.on(s, this.handler);
  }

  get signalled(): NodeJS.Signals | undefined {
    return this.received;
  }

  /**
   * Resolves on the first signal. Holds the event loop open meanwhile: a node with nothing
   * bound yet (no sockets) must still run until told to stop.
   */
  wait(): Promise<NodeJS.Signals> {
    if (this.received) return Promise.resolve(this.received);
    this.keepAlive ??= setInterval(() => undefined, 1 << 30);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  dispose(): void {
    if (this.keepAlive) clearInterval(this.keepAlive);
    for (const s of this.signals) process.off(s, this.handler);
  }
}
