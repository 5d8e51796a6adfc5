/**
 * A worker thread's own connection to the kernel's storage plugin: the plugin module is
 * imported again in this thread and its ContainerModule loaded into a private container,
 * so the worker gets a StorageAdapter of its own (SQLite: its own database handle on the
 * same file, WAL lets the threads write in turn).
 */
import 'reflect-metadata';
import { Container } from 'inversify';
import type { ContainerModule } from 'inversify';
import { RvoipError, StorageAdapter } from '@rvoip/contracts';
import type { Logger, PluginContext, ResolvedConfig, StorageAdapter as StorageAdapterType } from '@rvoip/contracts';
import { importPlugin } from '../plugins/manifest.js';
import type { StoragePluginRef } from './protocol.js';

export async function openWorkerStorage(ref: StoragePluginRef, config: ResolvedConfig, logger: Logger): Promise<StorageAdapterType> {
  const imported = await importPlugin(ref.entry);
  if (imported.definition === undefined) {
    throw new RvoipError('RVOIP_ERR_SIP_WORKER_STORAGE', `sip worker cannot load storage plugin "${ref.id}": ${imported.problem ?? 'unknown problem'}`);
  }
  const context: PluginContext<unknown> = {
    id: ref.id, version: ref.version, options: ref.options, logger: logger.child({ plugin: ref.id }), config,
  };
  const def = imported.definition.module;
  const module = typeof def === 'function' ? await def(context) : def;
  const container = new Container({ defaultScope: 'Singleton' });
  await container.loadAsync(module as ContainerModule);
  if (!container.isBound(StorageAdapter)) {
    throw new RvoipError('RVOIP_ERR_SIP_WORKER_STORAGE', `storage plugin "${ref.id}" bound no StorageAdapter in the sip worker`);
  }
  const storage = container.get<StorageAdapterType>(StorageAdapter);
  await storage.open();
  return storage;
}
