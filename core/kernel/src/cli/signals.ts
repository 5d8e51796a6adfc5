/**
 * Catches SIGINT/SIGTERM from the moment `rvoip start` begins, so a signal during boot
 * still ends in an orderly stop (and exit 0) instead of Node's default kill.
 */
export class SignalLatch {
  private received: NodeJS.Signals | undefined;
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

  wait(): Promise<NodeJS.Signals> {
    if (this.received) return Promise.resolve(this.received);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  dispose(): void {
    for (const s of this.signals) process.off(s, this.handler);
  }
}
