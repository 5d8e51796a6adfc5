import { randomUUID } from 'node:crypto';
import type { CdrRecord, MediaStats } from '@rvoip/contracts';
import type { SessionRecord } from '../registry/session-record.js';

/** One CDR per session, built when it reaches a terminal state. */
export function buildCdr(r: SessionRecord, endedAt: Date, media?: MediaStats): CdrRecord {
  const durationMs = Math.max(0, endedAt.getTime() - r.createdAt.getTime());
  const billableMs = r.answeredAt ? Math.max(0, endedAt.getTime() - r.answeredAt.getTime()) : 0;
  return {
    id: randomUUID(),
    sessionId: r.id,
    callId: r.callId,
    direction: r.direction,
    from: r.direction === 'outbound' ? r.local.uri : r.remote.uri,
    to: r.direction === 'outbound' ? r.remote.uri : r.local.uri,
    startedAt: r.createdAt,
    ...(r.answeredAt && { answeredAt: r.answeredAt }),
    endedAt,
    durationMs,
    billableMs,
    endReason: r.endReason ?? (r.state === 'failed' ? 'failed' : 'normal'),
    ...(r.sipCode !== undefined && { sipCode: r.sipCode }),
    ...(r.codec && { codec: r.codec }),
    ...(media && { media }),
    ...(Object.keys(r.vars).length > 0 && { tags: { ...r.vars } }),
  };
}
