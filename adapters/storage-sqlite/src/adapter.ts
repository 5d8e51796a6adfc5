import { silentLogger } from '@rvoip/sdk';
import type { Logger, StorageAdapter } from '@rvoip/sdk';
import { Database } from './database.js';
import { migrate } from './migrations.js';
import type { Migration } from './migrations.js';
import { DEFAULT_BUSY_TIMEOUT_MS } from './options.js';
import type { SynchronousMode } from './options.js';
import { SqliteBindings } from './stores/bindings.js';
import { SqliteCdrs } from './stores/cdrs.js';
import type { Clock } from './stores/json.js';
import { SqliteKv } from './stores/kv.js';
import { SqliteUsers } from './stores/users.js';

export interface SqliteStorageSettings {
  /** Absolute file path, or `:memory:`. */
  readonly path: string;
  readonly busyTimeoutMs?: number;
  readonly synchronous?: SynchronousMode;
  readonly logger?: Logger;
  /** Epoch milliseconds; defaults to Date.now. */
  readonly clock?: Clock;
  /** Schema history to apply; the default is the package's own. */
  readonly migrations?: readonly Migration[];
}

/**
 * The embedded default StorageAdapter on node:sqlite (no native addon). WAL journal with
 * synchronous=FULL by default: when a write's promise resolves, it is on disk, so the
 * registrar's 200 OK never acknowledges a binding a crash could lose.
 */
export class SqliteStorageAdapter implements StorageAdapter {
  readonly name = 'sqlite';
  readonly users: SqliteUsers;
  readonly bindings: SqliteBindings;
  readonly cdrs: SqliteCdrs;
  readonly kv: SqliteKv;
  readonly path: string;
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #migrations: readonly Migration[] | undefined;
  #schemaVersion = 0;

  constructor(settings: SqliteStorageSettings) {
    this.path = settings.path;
    this.#db = new Database(settings.path, {
      busyTimeoutMs: settings.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
      synchronous: settings.synchronous ?? 'full',
    });
    this.#logger = settings.logger ?? silentLogger;
    this.#migrations = settings.migrations;
    const clock = settings.clock ?? Date.now;
    this.users = new SqliteUsers(this.#db);
    this.bindings = new SqliteBindings(this.#db, clock);
    this.cdrs = new SqliteCdrs(this.#db);
    this.kv = new SqliteKv(this.#db, clock);
  }

  get isOpen(): boolean {
    return this.#db.isOpen;
  }

  /** The schema version of the open file (0 before open). */
  get schemaVersion(): number {
    return this.#schemaVersion;
  }

  /** What the connection actually runs with, read back from SQLite (diagnostics, tests, bench). */
  pragmas(): { readonly journalMode: string; readonly synchronous: SynchronousMode | 'off'; readonly busyTimeoutMs: number } {
    const journal = this.#db.get<{ journal_mode: string }>('pragmas', 'PRAGMA journal_mode');
    const sync = this.#db.get<{ synchronous: number }>('pragmas', 'PRAGMA synchronous');
    const busy = this.#db.get<{ timeout: number }>('pragmas', 'PRAGMA busy_timeout');
    const levels = ['off', 'normal', 'full', 'extra'] as const;
    return { journalMode: journal?.journal_mode ?? 'unknown', synchronous: levels[sync?.synchronous ?? 0], busyTimeoutMs: busy?.timeout ?? 0 };
  }

  /** Opens the file (creating directories), applies pending migrations, sweeps expired keys. Idempotent. */
  async open(): Promise<void> {
    if (this.#db.isOpen) return;
    this.#db.open();
    try {
      const { from, to } = migrate(this.#db, this.#migrations);
      this.#schemaVersion = to;
      const swept = this.kv.sweep();
      this.#logger.info({ path: this.path, schemaVersion: to, ...(from !== to && { migratedFrom: from }), expiredKeysSwept: swept }, 'sqlite storage open');
    } catch (err) {
      // A half-open adapter would accept writes against an unknown schema.
      this.#db.close();
      throw err;
    }
  }

  /** Idempotent; WAL content is already durable, so there is nothing to flush. */
  async close(): Promise<void> {
    if (!this.#db.isOpen) return;
    this.#db.close();
    this.#logger.info({ path: this.path }, 'sqlite storage closed');
  }
}
