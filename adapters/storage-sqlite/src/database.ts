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

interface Task {
  readonly operation: string;
  readonly fn: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * One node:sqlite connection with a prepared-statement cache. Every call goes through
 * `guard`, so any failure surfaces as a SqliteStorageError naming the operation and the file.
 *
 * Store operations are `task`s: queued, then run in FIFO order on the next event-loop turn,
 * all of a turn's tasks in one transaction (group commit). With synchronous=FULL a commit
 * costs an fsync that blocks the thread; sharing it between every REGISTER that arrived in
 * the same turn multiplies throughput under load and shortens the stalls, while each promise
 * still resolves only after its commit is durable. node:sqlite is synchronous, so a task
 * runs to completion before any other JS: concurrent callers never interleave.
 */
export class Database {
  #db: DatabaseSync | undefined;
  readonly #statements = new Map<string, StatementSync>();
  #queue: Task[] = [];
  #scheduled: NodeJS.Immediate | undefined;

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

  /** Runs what is still queued, then closes: nothing a caller is awaiting gets dropped. */
  close(): void {
    this.flush();
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
  private notOpen(operation: string): SqliteStorageError {
    return new SqliteStorageError('RVOIP_ERR_STORAGE_NOT_OPEN', operation, this.path, 'the storage adapter is not open (call open() first, or it was closed)');
  }

  guard<T>(operation: string, fn: (db: DatabaseSync) => T): T {
    const db = this.#db;
    if (!db) throw this.notOpen(operation);
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
      // Inside a group-commit batch the batch's transaction holds the lock already.
      const nested = db.isTransaction;
      db.exec(nested ? 'SAVEPOINT tx' : 'BEGIN IMMEDIATE');
      try {
        const result = fn();
        db.exec(nested ? 'RELEASE tx' : 'COMMIT');
        return result;
      } catch (err) {
        if (nested) db.exec('ROLLBACK TO tx; RELEASE tx');
        else if (db.isTransaction) db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  /** Queues `fn` for the next batch; settles once the batch has committed. */
  task<T>(operation: string, fn: () => T): Promise<T> {
    if (!this.#db) return Promise.reject(this.notOpen(operation));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ operation, fn, resolve: resolve as (value: unknown) => void, reject });
      this.#scheduled ??= setImmediate(() => this.flush());
    });
  }

  /**
   * A read with no write queued ahead of it runs at once: nothing it could miss is pending,
   * and a lookup need not wait a loop turn. Behind queued tasks it queues, to keep call order.
   */
  read<T>(operation: string, fn: () => T): Promise<T> {
    if (this.#queue.length > 0) return this.task(operation, fn);
    try {
      return Promise.resolve(this.guard(operation, fn));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Runs every queued task: one alone in autocommit, several in one transaction. */
  flush(): void {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    const db = this.#db;
    if (!db) {
      for (const t of batch) t.reject(this.notOpen(t.operation));
      return;
    }
    if (batch.length === 1) {
      const [t] = batch;
      const outcome = this.attempt(t);
      if (outcome.ok) t.resolve(outcome.value);
      else t.reject(outcome.error);
      return;
    }
    let outcomes: Outcome[];
    try {
      db.exec('BEGIN IMMEDIATE');
      // A savepoint per task: one task's failure rolls back only its own writes.
      outcomes = batch.map((t) => {
        db.exec('SAVEPOINT task');
        const outcome = this.attempt(t);
        if (outcome.ok) {
          db.exec('RELEASE task');
          return outcome;
        }
        // Some errors (disk full, I/O) make SQLite roll back the whole transaction, savepoint
        // included; then the batch fails with that task's error, the real cause.
        if (!db.isTransaction) throw outcome.error;
        db.exec('ROLLBACK TO task; RELEASE task');
        return outcome;
      });
      db.exec('COMMIT');
    } catch (err) {
      // BEGIN, a savepoint or COMMIT failed (lock timeout, disk full): nothing of the batch is durable.
      if (db.isTransaction) db.exec('ROLLBACK');
      for (const t of batch) t.reject(wrapSqliteError(err, t.operation, this.path));
      return;
    }
    batch.forEach((t, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) t.resolve(outcome.value);
      else t.reject(outcome.error);
    });
  }

  private attempt(t: Task): Outcome {
    try {
      return { ok: true, value: t.fn() };
    } catch (err) {
      return { ok: false, error: wrapSqliteError(err, t.operation, this.path) };
    }
  }
}
