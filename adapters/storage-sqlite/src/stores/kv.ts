import type { JsonValue, KeyValueStore } from '@rvoip/sdk';
import type { Database } from '../database.js';
import { invalidArgument, parseJson } from './json.js';
import type { Clock } from './json.js';

interface TtlOptions {
  readonly ttlMs?: number;
}

const LIVE = '(expires_at IS NULL OR expires_at > ?)';

/** `\` escapes itself and both LIKE wildcards, so a prefix like `rate_50%:` matches literally. */
export function escapeLike(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Key/value with TTL. An expired row is invisible to every operation and is replaced by the
 * next write to its key; `sweep` deletes the leftovers (run at open).
 */
export class SqliteKv implements KeyValueStore {
  constructor(private readonly db: Database, private readonly clock: Clock) {}

  private expiry(op: string, options: TtlOptions | undefined, now: number): number | null {
    const ttl = options?.ttlMs;
    if (ttl === undefined) return null;
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) throw invalidArgument(this.db, op, `ttlMs must be a finite number >= 0, got ${String(ttl)}`);
    return Math.ceil(now + ttl);
  }

  private encode(op: string, key: string, value: JsonValue): string {
    const text = value === undefined ? undefined : JSON.stringify(value);
    if (text === undefined) throw invalidArgument(this.db, op, `value for key "${key}" is not JSON-serialisable`);
    return text;
  }

  get(key: string): Promise<JsonValue | undefined> {
    return this.db.read('kv.get', () => {
      const row = this.db.get<{ value: string }>('kv.get', `SELECT value FROM kv WHERE key = ? AND ${LIVE}`, key, this.clock());
      return row && parseJson<JsonValue>(this.db, 'kv.get', 'kv.value', row.value);
    });
  }

  set(key: string, value: JsonValue, options?: TtlOptions): Promise<void> {
    return this.db.task('kv.set', () => {
      const now = this.clock();
      this.db.run(
        'kv.set',
        'INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
        key, this.encode('kv.set', key, value), this.expiry('kv.set', options, now),
      );
    });
  }

  /** One upsert that only overwrites an expired row: atomic across connections without a transaction. */
  setIfAbsent(key: string, value: JsonValue, options?: TtlOptions): Promise<boolean> {
    return this.db.task('kv.setIfAbsent', () => {
      const now = this.clock();
      const changed = this.db.run(
        'kv.setIfAbsent',
        `INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
         WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= ?`,
        key, this.encode('kv.setIfAbsent', key, value), this.expiry('kv.setIfAbsent', options, now), now,
      );
      return changed > 0;
    });
  }

  /** True only when a live key was deleted; an expired leftover is removed silently. */
  delete(key: string): Promise<boolean> {
    return this.db.task('kv.delete', () => {
      const rows = this.db.all<{ expires_at: number | null }>('kv.delete', 'DELETE FROM kv WHERE key = ? RETURNING expires_at', key);
      const now = this.clock();
      return rows.some((r) => r.expires_at === null || r.expires_at > now);
    });
  }

  /**
   * A missing (or expired) key starts from 0 and gets `ttlMs`; a live counter keeps its expiry,
   * so a rate-limit window is not stretched by every hit. A live non-number is refused rather
   * than silently overwritten.
   */
  increment(key: string, by = 1, options?: TtlOptions): Promise<number> {
    return this.db.task('kv.increment', () => {
      const op = 'kv.increment';
      if (typeof by !== 'number' || !Number.isFinite(by)) throw invalidArgument(this.db, op, `by must be a finite number, got ${String(by)}`);
      return this.db.transaction(op, () => {
        const now = this.clock();
        const row = this.db.get<{ value: string; expires_at: number | null }>(op, `SELECT value, expires_at FROM kv WHERE key = ? AND ${LIVE}`, key, now);
        let next = by;
        let expiresAt = this.expiry(op, options, now);
        if (row) {
          const current = parseJson<JsonValue>(this.db, op, 'kv.value', row.value);
          if (typeof current !== 'number') throw invalidArgument(this.db, op, `key "${key}" holds ${JSON.stringify(current)}, not a number`);
          next = current + by;
          expiresAt = row.expires_at;
        }
        this.db.run(op, 'INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
          key, JSON.stringify(next), expiresAt);
        return next;
      });
    });
  }

  keys(prefix: string): Promise<readonly string[]> {
    return this.db.read('kv.keys', () => {
      // LIKE is ASCII case-insensitive, so the substr comparison keeps the match exact (and
      // counts characters the way SQLite does, not in UTF-16 units).
      const rows = this.db.all<{ key: string }>(
        'kv.keys',
        `SELECT key FROM kv WHERE key LIKE ? ESCAPE '\\' AND substr(key, 1, length(?)) = ? AND ${LIVE} ORDER BY key`,
        `${escapeLike(prefix)}%`, prefix, prefix, this.clock(),
      );
      return rows.map((r) => r.key);
    });
  }

  /** Deletes expired keys; returns how many. */
  sweep(now: number = this.clock()): number {
    return this.db.run('kv.sweep', 'DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?', now);
  }
}
