import type { Database } from '../database.js';
import { SqliteStorageError } from '../errors.js';

/** Clock injection keeps expiry and TTL behaviour testable without waiting. */
export type Clock = () => number;

/** JSON text from a column; a row someone edited by hand into invalid JSON gets a typed error. */
export function parseJson<T>(db: Database, operation: string, column: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new SqliteStorageError('RVOIP_ERR_STORAGE_CORRUPT_ROW', operation, db.path, `column ${column} holds invalid JSON`, err);
  }
}

export function optionalJson<T>(db: Database, operation: string, column: string, text: string | null): T | undefined {
  return text === null ? undefined : parseJson<T>(db, operation, column, text);
}

export function invalidArgument(db: Database, operation: string, reason: string): SqliteStorageError {
  return new SqliteStorageError('RVOIP_ERR_STORAGE_INVALID_ARGUMENT', operation, db.path, reason);
}

/** Dates become epoch milliseconds; an Invalid Date is a caller bug worth naming. */
export function toMillis(db: Database, operation: string, field: string, date: Date): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw invalidArgument(db, operation, `${field} is not a valid Date`);
  return ms;
}
