import { ContainerModule, StorageAdapter, definePlugin } from '@rvoip/sdk';
import type { PluginContext } from '@rvoip/sdk';
import { SqliteStorageAdapter } from './adapter.js';
import { resolveDatabasePath, sqliteOptionsSchema } from './options.js';
import type { SqliteStorageOptions } from './options.js';

export const PLUGIN_ID = 'storage-sqlite';
export const PLUGIN_VERSION = '0.1.0';

function createModule({ options, config, logger }: PluginContext<SqliteStorageOptions>): ContainerModule {
  const adapter = new SqliteStorageAdapter({
    path: resolveDatabasePath(options.path, config.baseDir),
    ...(options.busyTimeoutMs !== undefined && { busyTimeoutMs: options.busyTimeoutMs }),
    ...(options.synchronous !== undefined && { synchronous: options.synchronous }),
    logger,
  });
  // The kernel's storage lifecycle calls open() before any other service starts and close() last.
  return new ContainerModule(({ bind }) => {
    bind<StorageAdapter>(StorageAdapter).toConstantValue(adapter);
  });
}

/** `storage: { adapter: 'sqlite', options: { path, busyTimeoutMs, synchronous } }`. */
export default definePlugin<SqliteStorageOptions>({
  id: PLUGIN_ID,
  version: PLUGIN_VERSION,
  rvoip: '^0.1.0',
  description: 'Embedded SQLite storage (node:sqlite, WAL, synchronous=FULL): users, bindings, CDRs, key/value with TTL',
  configSchema: sqliteOptionsSchema,
  module: createModule,
});
