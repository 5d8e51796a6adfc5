import { ContainerModule } from 'inversify';
import type { ResolutionContext } from 'inversify';
import {
  CallEventAdapter, CallEventSink, Lifecycle, StateActionAdapter, StorageAdapter, bindContributionProvider,
} from '@rvoip/contracts';
import { CallEventDispatcher } from './events/dispatcher.js';

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
 * event fan-out, and the storage lifecycle.
 */
export const kernelModule = new ContainerModule(({ bind }) => {
  bindContributionProvider(bind, Lifecycle);
  bindContributionProvider(bind, CallEventAdapter);
  bindContributionProvider(bind, StateActionAdapter);
  bind(CallEventDispatcher).toSelf().inSingletonScope();
  bind<CallEventSink>(CallEventSink).toService(CallEventDispatcher);
  bind<Lifecycle>(Lifecycle).toService(CallEventDispatcher);
  bind<Lifecycle>(Lifecycle).toDynamicValue(storageLifecycle).inSingletonScope();
});
