import { expect } from 'chai';
import type { SqliteStorageAdapter } from '@rvoip/storage-sqlite';
import { cdr, openAdapter, rejection, tempDir } from './helpers.js';

describe('storage-sqlite: CDRs', () => {
  const dir = tempDir();
  let db: SqliteStorageAdapter;
  const t0 = Date.UTC(2026, 5, 1, 12);
  const t = (minutes: number): Date => new Date(t0 + minutes * 60_000);

  beforeEach(async () => {
    db = await openAdapter({ path: dir.file(`c-${Math.random().toString(36).slice(2)}.db`) });
  });
  afterEach(() => db.close());
  after(() => dir.remove());

  it('round-trips a full CDR with media stats and tags in JSON columns', async () => {
    const full = cdr('cdr-1', t(0), {
      direction: 'outbound', sipCode: 200, codec: 'opus',
      media: { codec: 'opus', packetsSent: 3000, packetsReceived: 2990, packetsLost: 10, jitterMs: 4.25, roundTripMs: 31, mos: 4.3 },
      tags: { cost: 0.12, currency: 'EUR', nested: { list: [1, 'two', null, true] } },
    });
    await db.cdrs.append(full);
    expect(await db.cdrs.get('cdr-1')).to.deep.equal(full);
  });

  it('leaves optional fields absent for an unanswered call', async () => {
    const missed = cdr('cdr-2', t(0), { answeredAt: undefined, billableMs: 0, endReason: 'no-answer' });
    const { answeredAt: _a, ...expected } = missed;
    await db.cdrs.append(missed);
    const got = await db.cdrs.get('cdr-2');
    expect(got).to.deep.equal(expected);
    expect(Object.keys(got ?? {})).to.not.include.members(['answeredAt', 'sipCode', 'codec', 'media', 'tags']);
    expect(await db.cdrs.get('nope')).to.equal(undefined);
  });

  it('is append-only: a second CDR with the same id is refused and the first is kept', async () => {
    await db.cdrs.append(cdr('dup', t(0)));
    const err = await rejection(db.cdrs.append(cdr('dup', t(5), { from: 'sip:mallory@example.com' })));
    expect(err.code).to.equal('RVOIP_ERR_STORAGE_CONSTRAINT');
    expect(err.message).to.match(new RegExp(`^sqlite storage: cdrs.append failed on ${db.path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*UNIQUE`));
    expect((await db.cdrs.get('dup'))?.from).to.equal('sip:alice@example.com');
  });

  describe('query', () => {
    beforeEach(async () => {
      await db.cdrs.append(cdr('a', t(0)));
      await db.cdrs.append(cdr('b', t(10), { from: 'sip:carol@example.com', to: 'sip:alice@example.com' }));
      await db.cdrs.append(cdr('c', t(20), { from: 'sip:carol@example.com', to: 'sip:dave@example.com' }));
      await db.cdrs.append(cdr('d', t(30)));
      await db.cdrs.append(cdr('e', t(30)));
    });
    const ids = (list: readonly { id: string }[]): string[] => list.map((c) => c.id);

    it('returns everything newest first (ties broken by id, newest first)', async () => {
      expect(ids(await db.cdrs.query())).to.deep.equal(['e', 'd', 'c', 'b', 'a']);
    });

    it('filters by time range: since inclusive, until exclusive', async () => {
      expect(ids(await db.cdrs.query({ since: t(10), until: t(30) }))).to.deep.equal(['c', 'b']);
      expect(ids(await db.cdrs.query({ since: t(30) }))).to.deep.equal(['e', 'd']);
      expect(ids(await db.cdrs.query({ until: t(0) }))).to.deep.equal([]);
    });

    it('filters by party on either side, and combines with time and limit', async () => {
      expect(ids(await db.cdrs.query({ party: 'sip:alice@example.com' }))).to.deep.equal(['e', 'd', 'b', 'a']);
      expect(ids(await db.cdrs.query({ party: 'sip:carol@example.com', since: t(15) }))).to.deep.equal(['c']);
      expect(ids(await db.cdrs.query({ party: 'sip:alice@example.com', limit: 2 }))).to.deep.equal(['e', 'd']);
      expect(ids(await db.cdrs.query({ party: 'sip:%@example.com' }))).to.deep.equal([]);
    });

    it('limit 0 returns nothing; a negative or fractional limit is a typed error', async () => {
      expect(await db.cdrs.query({ limit: 0 })).to.deep.equal([]);
      for (const limit of [-1, 1.5]) {
        const err = await rejection(db.cdrs.query({ limit }));
        expect(err.code).to.equal('RVOIP_ERR_STORAGE_INVALID_ARGUMENT');
        expect(err.message).to.contain(`cdrs.query failed on ${db.path}: limit must be a non-negative integer, got ${limit}`);
      }
    });
  });
});
