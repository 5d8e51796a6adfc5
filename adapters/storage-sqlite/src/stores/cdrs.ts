import type { CallDirection, CdrQuery, CdrRecord, CdrStore, EndReason, JsonValue, MediaStats } from '@rvoip/sdk';
import type { Database, SqlParam } from '../database.js';
import { invalidArgument, optionalJson, toMillis } from './json.js';

interface CdrRow {
  id: string;
  session_id: string;
  call_id: string;
  direction: string;
  from_uri: string;
  to_uri: string;
  started_at: number;
  answered_at: number | null;
  ended_at: number;
  duration_ms: number;
  billable_ms: number;
  end_reason: string;
  sip_code: number | null;
  codec: string | null;
  media: string | null;
  tags: string | null;
}

const COLUMNS =
  'id, session_id, call_id, direction, from_uri, to_uri, started_at, answered_at, ended_at, duration_ms, billable_ms, end_reason, sip_code, codec, media, tags';

/** Append-only call detail records; media stats and tags live in JSON columns. */
export class SqliteCdrs implements CdrStore {
  constructor(private readonly db: Database) {}

  private toRecord(row: CdrRow, op: string): CdrRecord {
    const media = optionalJson<MediaStats>(this.db, op, 'cdrs.media', row.media);
    const tags = optionalJson<Record<string, JsonValue>>(this.db, op, 'cdrs.tags', row.tags);
    return {
      id: row.id,
      sessionId: row.session_id,
      callId: row.call_id,
      direction: row.direction as CallDirection,
      from: row.from_uri,
      to: row.to_uri,
      startedAt: new Date(row.started_at),
      ...(row.answered_at !== null && { answeredAt: new Date(row.answered_at) }),
      endedAt: new Date(row.ended_at),
      durationMs: row.duration_ms,
      billableMs: row.billable_ms,
      endReason: row.end_reason as EndReason,
      ...(row.sip_code !== null && { sipCode: row.sip_code }),
      ...(row.codec !== null && { codec: row.codec }),
      ...(media !== undefined && { media }),
      ...(tags !== undefined && { tags }),
    };
  }

  /** A second CDR with the same id is refused (RVOIP_ERR_STORAGE_CONSTRAINT), never overwritten. */
  append(c: CdrRecord): Promise<void> {
    return this.db.task('cdrs.append', () => {
      const op = 'cdrs.append';
      this.db.run(
        op,
        `INSERT INTO cdrs (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        c.id, c.sessionId, c.callId, c.direction, c.from, c.to,
        toMillis(this.db, op, 'startedAt', c.startedAt),
        c.answeredAt === undefined ? null : toMillis(this.db, op, 'answeredAt', c.answeredAt),
        toMillis(this.db, op, 'endedAt', c.endedAt),
        Math.round(c.durationMs), Math.round(c.billableMs), c.endReason, c.sipCode ?? null, c.codec ?? null,
        c.media === undefined ? null : JSON.stringify(c.media),
        c.tags === undefined ? null : JSON.stringify(c.tags),
      );
    });
  }

  get(id: string): Promise<CdrRecord | undefined> {
    return this.db.read('cdrs.get', () => {
      const row = this.db.get<CdrRow>('cdrs.get', `SELECT ${COLUMNS} FROM cdrs WHERE id = ?`, id);
      return row && this.toRecord(row, 'cdrs.get');
    });
  }

  /** Newest first; `since` inclusive, `until` exclusive, on startedAt; party matches from or to. */
  query(q: CdrQuery = {}): Promise<readonly CdrRecord[]> {
    return this.db.read('cdrs.query', () => {
      const op = 'cdrs.query';
      const where: string[] = [];
      const params: SqlParam[] = [];
      if (q.since !== undefined) {
        where.push('started_at >= ?');
        params.push(toMillis(this.db, op, 'since', q.since));
      }
      if (q.until !== undefined) {
        where.push('started_at < ?');
        params.push(toMillis(this.db, op, 'until', q.until));
      }
      if (q.party !== undefined) {
        where.push('(from_uri = ? OR to_uri = ?)');
        params.push(q.party, q.party);
      }
      if (q.limit !== undefined && !(Number.isInteger(q.limit) && q.limit >= 0)) {
        throw invalidArgument(this.db, op, `limit must be a non-negative integer, got ${String(q.limit)}`);
      }
      // LIMIT -1 is SQLite's "no limit", which keeps the statement text (and its cache entry) fixed.
      params.push(q.limit ?? -1);
      const sql = `SELECT ${COLUMNS} FROM cdrs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT ?`;
      return this.db.all<CdrRow>(op, sql, ...params).map((r) => this.toRecord(r, op));
    });
  }
}
