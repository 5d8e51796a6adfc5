import { inject, injectable, named } from 'inversify';
import { CallEventAdapter, ContributionProvider, Logger, ResolvedConfig } from '@rvoip/contracts';
import type { CallEvent, CallEventAdapterStats, CallEventSink, Lifecycle } from '@rvoip/contracts';
import { PluginOwners } from '../plugins/owners.js';
import { withTimeout } from '../lifecycle/timeout.js';

interface Slot {
  readonly adapter: CallEventAdapter;
  readonly name: string;
  readonly pluginId: string;
  readonly queue: CallEvent[];
  running: boolean;
  delivered: number;
  failed: number;
  timedOut: number;
  dropped: number;
}

function hookOf(adapter: CallEventAdapter, event: CallEvent): (() => void | Promise<void>) | undefined {
  switch (event.type) {
    case 'state-changed':
      return adapter.onStateChange && (() => adapter.onStateChange?.(event));
    case 'dtmf':
      return adapter.onDtmf && (() => adapter.onDtmf?.(event));
    case 'media-stats':
      return adapter.onMediaStats && (() => adapter.onMediaStats?.(event));
    case 'call-ended':
      return adapter.onCallEnd && (() => adapter.onCallEnd?.(event));
  }
}

/**
 * Fans call events out to every CallEventAdapter off the signalling path: `publish` only
 * enqueues; each adapter drains its own bounded queue on a later tick, one event at a time,
 * each bounded by a timeout. A throwing, rejecting or hanging adapter affects only itself.
 */
@injectable()
export class CallEventDispatcher implements CallEventSink, Lifecycle {
  readonly name = 'call-events';
  private slots: Slot[] | undefined;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    @inject(ContributionProvider) @named(CallEventAdapter) private readonly adapters: ContributionProvider<CallEventAdapter>,
    @inject(PluginOwners) private readonly owners: PluginOwners,
    @inject(ResolvedConfig) private readonly config: ResolvedConfig,
    @inject(Logger) private readonly logger: Logger,
  ) {}

  publish(event: CallEvent): void {
    for (const slot of this.getSlots()) {
      if (!hookOf(slot.adapter, event) || this.owners.isFailed(slot.pluginId)) continue;
      if (slot.queue.length >= this.config.kernel.eventQueueSize) {
        slot.dropped++;
        if (slot.dropped === 1 || slot.dropped % 100 === 0) {
          this.logger.warn({ plugin: slot.pluginId, adapter: slot.name, dropped: slot.dropped }, 'call event queue full; dropping events');
        }
        continue;
      }
      slot.queue.push(event);
      if (!slot.running) {
        slot.running = true;
        setImmediate(() => void this.drain(slot));
      }
    }
  }

  stats(): CallEventAdapterStats[] {
    return this.getSlots().map((s) => ({
      adapter: s.name,
      pluginId: s.pluginId,
      delivered: s.delivered,
      failed: s.failed,
      timedOut: s.timedOut,
      dropped: s.dropped,
      queued: s.queue.length,
    }));
  }

  /** Resolves once every queue is empty (used by stop, and by tests). */
  whenIdle(): Promise<void> {
    if (this.getSlots().every((s) => !s.running)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async onStop(): Promise<void> {
    await this.whenIdle();
  }

  private getSlots(): Slot[] {
    this.slots ??= this.adapters.getContributions().map((adapter, i) => {
      const pluginId = this.owners.ownerOf(adapter);
      return { adapter, name: adapter.name ?? `${pluginId}#${i}`, pluginId, queue: [], running: false, delivered: 0, failed: 0, timedOut: 0, dropped: 0 };
    });
    return this.slots;
  }

  private async drain(slot: Slot): Promise<void> {
    const timeoutMs = this.config.kernel.eventTimeoutMs;
    for (let event = slot.queue.shift(); event; event = slot.queue.shift()) {
      const hook = hookOf(slot.adapter, event);
      if (!hook) continue;
      let timedOut = false;
      try {
        await withTimeout(hook, timeoutMs, () => ((timedOut = true), new Error(`timed out after ${timeoutMs} ms`)));
        slot.delivered++;
      } catch (err) {
        if (timedOut) slot.timedOut++;
        else slot.failed++;
        this.logger.error(
          { plugin: slot.pluginId, adapter: slot.name, event: event.type, sessionId: event.sessionId, err, failures: slot.failed + slot.timedOut },
          timedOut ? 'call event adapter timed out' : 'call event adapter failed',
        );
      }
    }
    slot.running = false;
    if (this.getSlots().every((s) => !s.running)) this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }
}
