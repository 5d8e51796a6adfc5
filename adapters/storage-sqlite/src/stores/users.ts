import type { UserRecord, UserStore } from '@rvoip/sdk';
import type { Database } from '../database.js';
import { invalidArgument, optionalJson } from './json.js';

interface UserRow {
  username: string;
  domain: string;
  password: string | null;
  ha1: string | null;
  display_name: string | null;
  enabled: number;
  attributes: string | null;
}

const COLUMNS = 'username, domain, password, ha1, display_name, enabled, attributes';

export class SqliteUsers implements UserStore {
  constructor(private readonly db: Database) {}

  private toRecord(row: UserRow, op: string): UserRecord {
    const attributes = optionalJson<Record<string, string>>(this.db, op, 'users.attributes', row.attributes);
    return {
      username: row.username,
      domain: row.domain,
      enabled: row.enabled !== 0,
      ...(row.password !== null && { password: row.password }),
      ...(row.ha1 !== null && { ha1: row.ha1 }),
      ...(row.display_name !== null && { displayName: row.display_name }),
      ...(attributes !== undefined && { attributes }),
    };
  }

  get(username: string, domain: string): Promise<UserRecord | undefined> {
    return this.db.read('users.get', () => {
      const row = this.db.get<UserRow>('users.get', `SELECT ${COLUMNS} FROM users WHERE username = ? AND domain = ?`, username, domain);
      return row && this.toRecord(row, 'users.get');
    });
  }

  put(user: UserRecord): Promise<void> {
    return this.db.task('users.put', () => {
      // Digest auth needs one of them; a user without either could never register.
      if (user.password === undefined && user.ha1 === undefined) {
        throw invalidArgument(this.db, 'users.put', `user ${user.username}@${user.domain} has neither password nor ha1`);
      }
      this.db.run(
        'users.put',
        `INSERT INTO users (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (username, domain) DO UPDATE SET password = excluded.password, ha1 = excluded.ha1,
           display_name = excluded.display_name, enabled = excluded.enabled, attributes = excluded.attributes`,
        user.username, user.domain, user.password ?? null, user.ha1 ?? null, user.displayName ?? null, user.enabled ? 1 : 0,
        user.attributes === undefined ? null : JSON.stringify(user.attributes),
      );
    });
  }

  delete(username: string, domain: string): Promise<boolean> {
    return this.db.task('users.delete', () => {
      return this.db.run('users.delete', 'DELETE FROM users WHERE username = ? AND domain = ?', username, domain) > 0;
    });
  }

  list(domain?: string): Promise<readonly UserRecord[]> {
    return this.db.read('users.list', () => {
      const rows = domain === undefined
        ? this.db.all<UserRow>('users.list', `SELECT ${COLUMNS} FROM users ORDER BY domain, username`)
        : this.db.all<UserRow>('users.list', `SELECT ${COLUMNS} FROM users WHERE domain = ? ORDER BY username`, domain);
      return rows.map((r) => this.toRecord(r, 'users.list'));
    });
  }
}
