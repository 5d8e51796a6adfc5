import type { CallEvent, CallEventAdapter, CallEventSink, Logger } from '@rvoip/contracts';
import { silentLogger } from '@rvoip/contracts';

export interface LocalEventSinkOptions {
  /** An adapter call taking longer than this is abandoned (counted as timed out). */
  readonly eventTimeoutMs?: number;
  /** Events waiting per adapter beyond this are dropped (counted). */
  readonly queueSize?: number;
  readonly logger?: Logger;
}

interface AdapterQueue {
  tail: Promise<void>;
  pending: number;
}

/**
 * A CallEventSink for use without the kernel (the SDK's standalone SimplePeer). Each
 * adapter gets its own serial queue run from setImmediate, so publishing never waits and a
 * throwing, slow or hanging adapter delays neither the call nor the other adapters. With
 * the kernel, its dispatcher (per-plugin counters, config-driven bounds) is bound instead.
 */
export class LocalEventSink implements CallEventSink {
  private readonly queues = new Map<CallEventAdapter, AdapterQueue>();
  private readonly timeoutMs: number;
  private readonly queueSize: number;
  private readonly logger: Logger;
  failures = 0;
  timedOut = 0;
  dropped = 0;

  constructor(private readonly adapters: () => readonly CallEventAdapter[], options: LocalEventSinkOptions | Logger = {}) {
    const opts: LocalEventSinkOptions = 'child' in options ? { logger: options } : options;
    this.timeoutMs = opts.eventTimeoutMs ?? 5000;
    this.queueSize = opts.queueSize ?? 1000;
    this.logger = opts.logger ?? silentLogger;
  }

  publish(event: CallEvent): void {
    for (const adapter of this.adapters()) {
      let q = this.queues.get(adapter);
      if (!q) {
        q = { tail: Promise.resolve(), pending: 0 };
        this.queues.set(adapter, q);
      }
      if (q.pending >= this.queueSize) {
        this.dropped += 1;
        continue;
      }
      q.pending += 1;
      const queue = q;
      queue.tail = queue.tail
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(() => this.deliverBounded(adapter, event))
        .catch((err: unknown) => {
          this.failures += 1;
          this.logger.warn({ err, adapter: adapter.name ?? 'anonymous', event: event.type }, 'CallEventAdapter failed');
        })
        .finally(() => { queue.pending -= 1; });
    }
  }

  private async deliverBounded(adapter: CallEventAdapter, event: CallEvent): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), this.timeoutMs); });
    try {
      const outcome = await Promise.race([deliver(adapter, event).then(() => 'done' as const), expired]);
      if (outcome === 'timeout') {
        this.timedOut += 1;
        this.logger.warn({ adapter: adapter.name ?? 'anonymous', event: event.type, timeoutMs: this.timeoutMs }, 'CallEventAdapter timed out');
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Resolves once everything published so far has been delivered (tests, shutdown), or after
   * `timeoutMs` so that an adapter that never returns cannot hold up a shutdown.
   */
  async drain(timeoutMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); });
    await Promise.race([Promise.all([...this.queues.values()].map((q) => q.tail)), limit]);
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
