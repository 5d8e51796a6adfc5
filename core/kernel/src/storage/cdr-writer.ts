import type { CallEventAdapter, StorageAdapter } from '@rvoip/contracts';

/**
 * Persists every call's CDR into the bound StorageAdapter. It rides the call-event
 * dispatcher like any adapter, so a slow database never delays signalling; the dispatcher
 * drains before storage closes, so calls ended by shutdown are recorded too.
 */
export function cdrWriter(storage: StorageAdapter | undefined): CallEventAdapter {
  if (!storage) return { name: 'cdr-storage' };
  return {
    name: 'cdr-storage',
    onCallEnd: (event) => storage.cdrs.append(event.cdr),
  };
}
