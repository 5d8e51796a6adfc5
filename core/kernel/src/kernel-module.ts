import { ContainerModule } from 'inversify';
import type { ResolutionContext } from 'inversify';
import {
  CallEventAdapter, CallEventSink, Lifecycle, StateActionAdapter, StorageAdapter, bindContributionProvider,
} from '@rvoip/contracts';
import { CallEventDispatcher } from './events/dispatcher.js';
import { cdrWriter } from './storage/cdr-writer.js';

/** Opens the bound StorageAdapter before other services start and closes it last. */
function storageLifecycle(ctx: ResolutionContext): Lifecycle {
  const storage = ctx.get<StorageAdapter>(StorageAdapter, { optional: true });
  return {
    name: 'storage',
    onInitialize: () => storage?.open(),
    onStop: () => storage?.close(),
  };
}

/**
 * The kernel's own bindings: contribution points every layer and plugin builds on, the call
 * event fan-out, the storage lifecycle and the CDR writer. Storage is bound before the
 * dispatcher so it opens first and closes last: shutdown drains every queued event (the
 * CDRs of calls ended on the way down) into a still-open store.
 */
export const kernelModule = new ContainerModule(({ bind }) => {
  bindContributionProvider(bind, Lifecycle);
  bindContributionProvider(bind, CallEventAdapter);
  bindContributionProvider(bind, StateActionAdapter);
  bind<Lifecycle>(Lifecycle).toDynamicValue(storageLifecycle).inSingletonScope();
  bind(CallEventDispatcher).toSelf().inSingletonScope();
  bind<CallEventSink>(CallEventSink).toService(CallEventDispatcher);
  bind<Lifecycle>(Lifecycle).toService(CallEventDispatcher);
  bind<CallEventAdapter>(CallEventAdapter).toDynamicValue((ctx) => cdrWriter(ctx.get<StorageAdapter>(StorageAdapter, { optional: true }))).inSingletonScope();
});
