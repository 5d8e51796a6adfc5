import { RvoipError } from '@rvoip/sdk';

/** Codes callers branch on; every one names the operation and the database file in its message. */
export type SqliteStorageErrorCode =
  | 'RVOIP_ERR_STORAGE_NOT_OPEN'
  | 'RVOIP_ERR_STORAGE_OPEN_FAILED'
  | 'RVOIP_ERR_STORAGE_SCHEMA_TOO_NEW'
  | 'RVOIP_ERR_STORAGE_MIGRATION_FAILED'
  | 'RVOIP_ERR_STORAGE_BUSY'
  | 'RVOIP_ERR_STORAGE_CONSTRAINT'
  | 'RVOIP_ERR_STORAGE_QUERY_FAILED'
  | 'RVOIP_ERR_STORAGE_INVALID_ARGUMENT'
  | 'RVOIP_ERR_STORAGE_CORRUPT_ROW';

export class SqliteStorageError extends RvoipError {
  declare readonly code: SqliteStorageErrorCode;
  readonly operation: string;
  readonly path: string;

  constructor(code: SqliteStorageErrorCode, operation: string, path: string, reason: string, cause?: unknown, details: Record<string, unknown> = {}) {
    super(code, `sqlite storage: ${operation} failed on ${path}: ${reason}`, { ...details, operation, path }, cause === undefined ? undefined : { cause });
    this.operation = operation;
    this.path = path;
  }
}

/** node:sqlite throws `Error & { code: 'ERR_SQLITE_ERROR', errcode, errstr }`. */
interface NodeSqliteError extends Error {
  readonly errcode?: number;
  readonly errstr?: string;
}

// Primary result codes (the low byte of extended codes): https://sqlite.org/rescode.html
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_CONSTRAINT = 19;

/** Wraps anything a database call threw; typed errors we raised ourselves pass through. */
export function wrapSqliteError(err: unknown, operation: string, path: string): SqliteStorageError {
  if (err instanceof SqliteStorageError) return err;
  const e = err as NodeSqliteError;
  const message = err instanceof Error ? err.message : String(err);
  const primary = typeof e?.errcode === 'number' ? e.errcode & 0xff : undefined;
  const details = primary === undefined ? {} : { sqliteCode: e.errcode, sqliteError: e.errstr };
  if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) {
    return new SqliteStorageError('RVOIP_ERR_STORAGE_BUSY', operation, path, `database is locked by another connection (${message}); raise storage.options.busyTimeoutMs if this is expected`, err, details);
  }
  if (primary === SQLITE_CONSTRAINT) return new SqliteStorageError('RVOIP_ERR_STORAGE_CONSTRAINT', operation, path, message, err, details);
  return new SqliteStorageError('RVOIP_ERR_STORAGE_QUERY_FAILED', operation, path, message, err, details);
}
