import type { BindingStore, ContactBinding, TransportProtocol } from '@rvoip/sdk';
import type { Database } from '../database.js';
import { toMillis } from './json.js';
import type { Clock } from './json.js';

interface BindingRow {
  aor: string;
  contact: string;
  expires_at: number;
  call_id: string;
  cseq: number;
  q: number | null;
  user_agent: string | null;
  instance_id: string | null;
  source_transport: string;
  source_address: string;
  source_port: number;
  reg_id: number | null;
  path: string | null;
}

const COLUMNS = 'aor, contact, expires_at, call_id, cseq, q, user_agent, instance_id, source_transport, source_address, source_port, reg_id, path';
// Forking order: highest q first (a missing q counts as 1.0, RFC 3261 §10.2.1.2), then stable.
const ORDER = 'ORDER BY aor, coalesce(q, 1.0) DESC, contact';

function toBinding(row: BindingRow): ContactBinding {
  return {
    aor: row.aor,
    contact: row.contact,
    expiresAt: new Date(row.expires_at),
    callId: row.call_id,
    cseq: row.cseq,
    ...(row.q !== null && { q: row.q }),
    ...(row.user_agent !== null && { userAgent: row.user_agent }),
    ...(row.instance_id !== null && { instanceId: row.instance_id }),
    ...(row.reg_id !== null && { regId: row.reg_id }),
    ...(row.path !== null && { path: JSON.parse(row.path) as string[] }),
    source: { transport: row.source_transport as TransportProtocol, address: row.source_address, port: row.source_port },
  };
}

/** Contact bindings keyed by (aor, contact); expired rows stay invisible until purged. */
export class SqliteBindings implements BindingStore {
  constructor(private readonly db: Database, private readonly clock: Clock) {}

  private now(op: string, now: Date | undefined): number {
    return now === undefined ? this.clock() : toMillis(this.db, op, 'now', now);
  }

  put(b: ContactBinding): Promise<void> {
    return this.db.task('bindings.put', () => {
      const expiresAt = toMillis(this.db, 'bindings.put', 'expiresAt', b.expiresAt);
      this.db.run(
        'bindings.put',
        `INSERT OR REPLACE INTO bindings (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        b.aor, b.contact, expiresAt, b.callId, b.cseq, b.q ?? null, b.userAgent ?? null, b.instanceId ?? null,
        b.source.transport, b.source.address, b.source.port, b.regId ?? null,
        b.path === undefined ? null : JSON.stringify(b.path),
      );
    });
  }

  remove(aor: string, contact?: string): Promise<number> {
    return this.db.task('bindings.remove', () => {
      return contact === undefined
        ? this.db.run('bindings.remove', 'DELETE FROM bindings WHERE aor = ?', aor)
        : this.db.run('bindings.remove', 'DELETE FROM bindings WHERE aor = ? AND contact = ?', aor, contact);
    });
  }

  get(aor: string, now?: Date): Promise<readonly ContactBinding[]> {
    return this.db.read('bindings.get', () => {
      const at = this.now('bindings.get', now);
      return this.db.all<BindingRow>('bindings.get', `SELECT ${COLUMNS} FROM bindings WHERE aor = ? AND expires_at > ? ${ORDER}`, aor, at).map(toBinding);
    });
  }

  all(now?: Date): Promise<readonly ContactBinding[]> {
    return this.db.read('bindings.all', () => {
      const at = this.now('bindings.all', now);
      return this.db.all<BindingRow>('bindings.all', `SELECT ${COLUMNS} FROM bindings WHERE expires_at > ? ${ORDER}`, at).map(toBinding);
    });
  }

  /** One DELETE ... RETURNING: what is returned is exactly what was removed, even across processes. */
  purgeExpired(now?: Date): Promise<readonly ContactBinding[]> {
    return this.db.task('bindings.purgeExpired', () => {
      const at = this.now('bindings.purgeExpired', now);
      const rows = this.db.all<BindingRow>('bindings.purgeExpired', `DELETE FROM bindings WHERE expires_at <= ? RETURNING ${COLUMNS}`, at);
      return rows.map(toBinding).sort((a, b) => a.aor.localeCompare(b.aor) || a.contact.localeCompare(b.contact));
    });
  }
}
