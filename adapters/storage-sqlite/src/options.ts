import { isAbsolute, resolve } from 'node:path';
import type { JsonSchema } from '@rvoip/sdk';

/**
 * `full` (default): every commit fsyncs the WAL before it resolves, so a binding the registrar
 * acknowledged with 200 OK survives a process kill and a power cut. `normal`: commits survive a
 * process crash but the last ones may roll back on power loss. `extra`: also syncs the directory.
 * `off` is deliberately not offered: it breaks "nothing acknowledged is lost".
 */
export type SynchronousMode = 'full' | 'normal' | 'extra';

/** `storage.options` of `storage.adapter: sqlite`. */
export interface SqliteStorageOptions {
  /** Database file, relative to the config's directory; `:memory:` for a throwaway database. */
  readonly path?: string;
  /** How long a statement waits for another connection's lock before failing. */
  readonly busyTimeoutMs?: number;
  readonly synchronous?: SynchronousMode;
}

export const DEFAULT_PATH = './data/rvoip.db';
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;
export const MEMORY_PATH = ':memory:';

export const sqliteOptionsSchema: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: '@rvoip/storage-sqlite options',
  type: 'object',
  additionalProperties: false,
  properties: {
    path: {
      type: 'string',
      minLength: 1,
      default: DEFAULT_PATH,
      'x-expected': 'a non-empty file path or ":memory:"',
      description: 'Database file, relative to the config file\'s directory (directories are created); ":memory:" keeps nothing.',
    },
    busyTimeoutMs: {
      type: 'integer',
      minimum: 0,
      maximum: 600_000,
      default: DEFAULT_BUSY_TIMEOUT_MS,
      'x-expected': 'a whole number of milliseconds from 0 to 600000',
      description: 'How long a statement waits for another connection\'s write lock before failing with RVOIP_ERR_STORAGE_BUSY.',
    },
    synchronous: {
      enum: ['full', 'normal', 'extra'],
      default: 'full',
      description: 'SQLite synchronous level in WAL mode: "full" makes every acknowledged write durable against power loss.',
    },
  },
};

/** Absolute database path: relative paths resolve against the config's base directory. */
export function resolveDatabasePath(path: string | undefined, baseDir: string): string {
  const p = path ?? DEFAULT_PATH;
  if (p === MEMORY_PATH) return p;
  return isAbsolute(p) ? p : resolve(baseDir, p);
}
