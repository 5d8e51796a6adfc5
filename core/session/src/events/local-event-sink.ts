import type { CallEvent, CallEventAdapter, CallEventSink, Logger } from '@rvoip/contracts';
import { silentLogger } from '@rvoip/contracts';

/**
 * A CallEventSink for use without the kernel (the SDK's standalone SimplePeer). Each
 * adapter gets its own serial queue run from setImmediate, so publishing never waits and a
 * throwing or slow adapter delays neither the call nor the other adapters. With the kernel,
 * its dispatcher (bounded queues, timeouts, per-plugin counters) is bound instead.
 */
export class LocalEventSink implements CallEventSink {
  private readonly queues = new Map<CallEventAdapter, Promise<void>>();
  failures = 0;

  constructor(private readonly adapters: () => readonly CallEventAdapter[], private readonly logger: Logger = silentLogger) {}

  publish(event: CallEvent): void {
    for (const adapter of this.adapters()) {
      const prev = this.queues.get(adapter) ?? Promise.resolve();
      const next = prev.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => deliver(adapter, event)).catch((err: unknown) => {
        this.failures += 1;
        this.logger.warn({ err, adapter: adapter.name ?? 'anonymous', event: event.type }, 'CallEventAdapter failed');
      });
      this.queues.set(adapter, next);
    }
  }

  /**
   * Resolves once everything published so far has been delivered (tests, shutdown), or after
   * `timeoutMs` so that an adapter that never returns cannot hold up a shutdown.
   */
  async drain(timeoutMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); });
    await Promise.race([Promise.all(this.queues.values()), limit]);
    clearTimeout(timer);
  }
}

async function deliver(adapter: CallEventAdapter, event: CallEvent): Promise<void> {
  switch (event.type) {
    case 'state-changed': await adapter.onStateChange?.(event); break;
    case 'dtmf': await adapter.onDtmf?.(event); break;
    case 'media-stats': await adapter.onMediaStats?.(event); break;
    case 'call-ended': await adapter.onCallEnd?.(event); break;
  }
}
