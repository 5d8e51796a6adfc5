import type { Database } from './database.js';
import { SqliteStorageError } from './errors.js';

/**
 * Schema history. The file's `PRAGMA user_version` is the last migration applied; open()
 * applies the missing ones in one transaction. Append new migrations, never edit old ones:
 * deployed databases already ran them.
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'users, contact bindings, CDRs, key/value',
    // Times are epoch milliseconds; JSON columns hold JSON text. STRICT rejects mistyped values.
    sql: `
      CREATE TABLE users (
        username     TEXT NOT NULL,
        domain       TEXT NOT NULL,
        password     TEXT,
        ha1          TEXT,
        display_name TEXT,
        enabled      INTEGER NOT NULL,
        attributes   TEXT,
        PRIMARY KEY (username, domain)
      ) STRICT;
      CREATE TABLE bindings (
        aor              TEXT NOT NULL,
        contact          TEXT NOT NULL,
        expires_at       INTEGER NOT NULL,
        call_id          TEXT NOT NULL,
        cseq             INTEGER NOT NULL,
        q                REAL,
        user_agent       TEXT,
        instance_id      TEXT,
        source_transport TEXT NOT NULL,
        source_address   TEXT NOT NULL,
        source_port      INTEGER NOT NULL,
        PRIMARY KEY (aor, contact)
      ) STRICT;
      CREATE TABLE cdrs (
        id           TEXT PRIMARY KEY,
        session_id   TEXT NOT NULL,
        call_id      TEXT NOT NULL,
        direction    TEXT NOT NULL,
        from_uri     TEXT NOT NULL,
        to_uri       TEXT NOT NULL,
        started_at   INTEGER NOT NULL,
        answered_at  INTEGER,
        ended_at     INTEGER NOT NULL,
        duration_ms  INTEGER NOT NULL,
        billable_ms  INTEGER NOT NULL,
        end_reason   TEXT NOT NULL,
        sip_code     INTEGER,
        codec        TEXT,
        media        TEXT CHECK (media IS NULL OR json_valid(media)),
        tags         TEXT CHECK (tags IS NULL OR json_valid(tags))
      ) STRICT;
      CREATE TABLE kv (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL CHECK (json_valid(value)),
        expires_at INTEGER
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: 'indexes for expiry sweeps and CDR queries by time and party',
    sql: `
      CREATE INDEX bindings_expires_at ON bindings (expires_at);
      CREATE INDEX kv_expires_at ON kv (expires_at) WHERE expires_at IS NOT NULL;
      CREATE INDEX cdrs_started_at ON cdrs (started_at);
      CREATE INDEX cdrs_from_started ON cdrs (from_uri, started_at);
      CREATE INDEX cdrs_to_started ON cdrs (to_uri, started_at);
    `,
  },
  {
    version: 3,
    description: 'bindings keep RFC 5626 reg-id and RFC 3327 Path (JSON array of Path values)',
    sql: `
      ALTER TABLE bindings ADD COLUMN reg_id INTEGER;
      ALTER TABLE bindings ADD COLUMN path TEXT;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

function userVersion(db: Database): number {
  return db.get<{ user_version: number }>('migrate', 'PRAGMA user_version')?.user_version ?? 0;
}

function checkNotNewer(db: Database, found: number, known: number): void {
  if (found > known) {
    throw new SqliteStorageError(
      'RVOIP_ERR_STORAGE_SCHEMA_TOO_NEW',
      'open',
      db.path,
      `the database has schema version ${found}, but this @rvoip/storage-sqlite only knows versions up to ${known}; ` +
        'upgrade @rvoip/storage-sqlite, or point storage.options.path at another file',
      undefined,
      { found, known },
    );
  }
}

/** Brings the file to the newest schema; returns the versions before and after. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): { readonly from: number; readonly to: number } {
  const known = migrations.length === 0 ? 0 : migrations[migrations.length - 1].version;
  const before = userVersion(db);
  checkNotNewer(db, before, known);
  if (before === known) return { from: before, to: known };
  return db.transaction('migrate', () => {
    // Another process may have migrated between the first read and taking the write lock.
    const from = userVersion(db);
    checkNotNewer(db, from, known);
    for (const m of migrations.filter((m) => m.version > from)) {
      try {
        db.exec('migrate', m.sql);
      } catch (err) {
        // Report SQLite's own words, not the generic wrapper around them.
        const cause = err instanceof SqliteStorageError && err.cause !== undefined ? err.cause : err;
        const reason = cause instanceof Error ? cause.message : String(cause);
        throw new SqliteStorageError('RVOIP_ERR_STORAGE_MIGRATION_FAILED', `migration to schema version ${m.version} (${m.description})`, db.path, reason, err, { version: m.version });
      }
    }
    // PRAGMA takes no bound parameters; `known` is an integer from the list above.
    db.exec('migrate', `PRAGMA user_version = ${Math.trunc(known)}`);
    return { from, to: known };
  });
}
