import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SQLInputValue, StatementSync } from 'node:sqlite';
import { SqliteStorageError, wrapSqliteError } from './errors.js';
import { MEMORY_PATH } from './options.js';
import type { SynchronousMode } from './options.js';

export type SqlParam = SQLInputValue;

export interface ConnectionSettings {
  readonly busyTimeoutMs: number;
  readonly synchronous: SynchronousMode;
}

/**
 * One node:sqlite connection with a prepared-statement cache. Every call goes through
 * `guard`, so any failure surfaces as a SqliteStorageError naming the operation and the file.
 * node:sqlite is synchronous: a statement (or a `transaction` callback) runs to completion
 * before any other JS runs, so concurrent async callers in this process never interleave.
 */
export class Database {
  #db: DatabaseSync | undefined;
  readonly #statements = new Map<string, StatementSync>();

  constructor(readonly path: string, private readonly settings: ConnectionSettings) {}

  get isOpen(): boolean {
    return this.#db !== undefined;
  }

  open(): void {
    if (this.#db) return;
    let db: DatabaseSync | undefined;
    try {
      if (this.path !== MEMORY_PATH) mkdirSync(dirname(this.path), { recursive: true });
      db = new DatabaseSync(this.path, { timeout: this.settings.busyTimeoutMs });
      // WAL: readers never block the writer, and a commit is one append + (with FULL) one fsync.
      const mode = db.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode?: string } | undefined;
      if (this.path !== MEMORY_PATH && mode?.journal_mode !== 'wal') {
        throw new SqliteStorageError('RVOIP_ERR_STORAGE_OPEN_FAILED', 'open', this.path, `could not switch to WAL journal mode (got "${String(mode?.journal_mode)}")`);
      }
      db.exec(`PRAGMA synchronous = ${this.settings.synchronous.toUpperCase()}`);
      db.exec('PRAGMA foreign_keys = ON');
      this.#db = db;
    } catch (err) {
      db?.close();
      if (err instanceof SqliteStorageError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new SqliteStorageError('RVOIP_ERR_STORAGE_OPEN_FAILED', 'open', this.path, message, err);
    }
  }

  close(): void {
    const db = this.#db;
    if (!db) return;
    this.#statements.clear();
    this.#db = undefined;
    try {
      db.close();
    } catch (err) {
      throw wrapSqliteError(err, 'close', this.path);
    }
  }

  /** Runs `fn` on the open connection; every throw becomes a typed error for `operation`. */
  guard<T>(operation: string, fn: (db: DatabaseSync) => T): T {
    const db = this.#db;
    if (!db) throw new SqliteStorageError('RVOIP_ERR_STORAGE_NOT_OPEN', operation, this.path, 'the storage adapter is not open (call open() first, or it was closed)');
    try {
      return fn(db);
    } catch (err) {
      throw wrapSqliteError(err, operation, this.path);
    }
  }

  /** Cached per SQL text: preparing costs more than most of the statements it prepares. */
  private statement(db: DatabaseSync, sql: string): StatementSync {
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  all<R>(operation: string, sql: string, ...params: SqlParam[]): R[] {
    return this.guard(operation, (db) => this.statement(db, sql).all(...params) as R[]);
  }

  get<R>(operation: string, sql: string, ...params: SqlParam[]): R | undefined {
    return this.guard(operation, (db) => this.statement(db, sql).get(...params) as R | undefined);
  }

  /** Returns the number of rows changed. */
  run(operation: string, sql: string, ...params: SqlParam[]): number {
    return this.guard(operation, (db) => Number(this.statement(db, sql).run(...params).changes));
  }

  exec(operation: string, sql: string): void {
    this.guard(operation, (db) => db.exec(sql));
  }

  /**
   * BEGIN IMMEDIATE takes the write lock up front, so a read-modify-write is atomic against
   * other processes sharing the file too; any throw rolls back.
   */
  transaction<T>(operation: string, fn: () => T): T {
    return this.guard(operation, (db) => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = fn();
        db.exec('COMMIT');
        return result;
      } catch (err) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw err;
      }
    });
  }
}
