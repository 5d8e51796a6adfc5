import { expect } from 'chai';
import type { SqliteStorageAdapter } from '@rvoip/storage-sqlite';
import { binding, fakeClock, openAdapter, tempDir } from './helpers.js';

describe('storage-sqlite: bindings', () => {
  const dir = tempDir();
  const clock = fakeClock();
  let db: SqliteStorageAdapter;
  const at = (offsetMs: number): Date => new Date(clock.now + offsetMs);

  beforeEach(async () => {
    clock.now = Date.UTC(2026, 0, 1);
    db = await openAdapter({ path: dir.file(`b-${Math.random().toString(36).slice(2)}.db`), clock: clock.fn });
  });
  afterEach(() => db.close());
  after(() => dir.remove());

  it('round-trips every field, optional ones absent rather than undefined', async () => {
    const full = binding('sip:alice@example.com', 'sip:alice@10.0.0.1:5062;transport=tcp', at(60_000), {
      q: 0.7, userAgent: 'baresip 3.0', instanceId: '<urn:uuid:0001>', regId: 2, cseq: 42, callId: 'abc@host',
      path: ['<sip:edge1.example.com;lr>', '<sip:edge2.example.com;lr;ob>'],
      source: { transport: 'tcp', address: '192.0.2.10', port: 40000 },
    });
    const bare = binding('sip:alice@example.com', 'sip:alice@10.0.0.2', at(60_000));
    await db.bindings.put(full);
    await db.bindings.put(bare);
    const got = await db.bindings.get('sip:alice@example.com');
    expect(got).to.deep.equal([bare, full]);
    expect(Object.keys(got[0])).to.not.include.members(['q', 'userAgent', 'instanceId', 'regId', 'path']);
  });

  it('replaces the binding with the same aor+contact and keeps other contacts and AORs apart', async () => {
    await db.bindings.put(binding('sip:a@x', 'sip:a@1', at(10_000), { cseq: 1 }));
    await db.bindings.put(binding('sip:a@x', 'sip:a@2', at(10_000)));
    await db.bindings.put(binding('sip:b@x', 'sip:a@1', at(10_000)));
    await db.bindings.put(binding('sip:a@x', 'sip:a@1', at(20_000), { cseq: 2 }));
    const a = await db.bindings.get('sip:a@x');
    expect(a.map((b) => [b.contact, b.cseq, b.expiresAt.getTime()])).to.deep.equal([
      ['sip:a@1', 2, clock.now + 20_000],
      ['sip:a@2', 1, clock.now + 10_000],
    ]);
    expect((await db.bindings.get('sip:b@x')).map((b) => b.contact)).to.deep.equal(['sip:a@1']);
  });

  it('orders by q, highest first, a missing q counting as 1.0', async () => {
    await db.bindings.put(binding('sip:a@x', 'sip:low', at(10_000), { q: 0.1 }));
    await db.bindings.put(binding('sip:a@x', 'sip:none', at(10_000)));
    await db.bindings.put(binding('sip:a@x', 'sip:mid', at(10_000), { q: 0.5 }));
    expect((await db.bindings.get('sip:a@x')).map((b) => b.contact)).to.deep.equal(['sip:none', 'sip:mid', 'sip:low']);
  });

  it('get/all exclude a binding from the instant it expires (expiresAt == now is expired)', async () => {
    await db.bindings.put(binding('sip:a@x', 'sip:edge', at(1000)));
    await db.bindings.put(binding('sip:a@x', 'sip:later', at(1001)));
    expect((await db.bindings.get('sip:a@x', at(999))).map((b) => b.contact)).to.deep.equal(['sip:edge', 'sip:later']);
    expect((await db.bindings.get('sip:a@x', at(1000))).map((b) => b.contact)).to.deep.equal(['sip:later']);
    expect((await db.bindings.all(at(1001))).length).to.equal(0);
    // Without `now`, the adapter's clock decides.
    clock.advance(1000);
    expect((await db.bindings.get('sip:a@x')).map((b) => b.contact)).to.deep.equal(['sip:later']);
    expect((await db.bindings.all()).map((b) => b.contact)).to.deep.equal(['sip:later']);
  });

  it('purgeExpired deletes and returns exactly the expired bindings, once', async () => {
    await db.bindings.put(binding('sip:a@x', 'sip:1', at(1000)));
    await db.bindings.put(binding('sip:b@x', 'sip:2', at(2000), { q: 0.3, instanceId: 'i' }));
    await db.bindings.put(binding('sip:a@x', 'sip:3', at(3000)));
    const purged = await db.bindings.purgeExpired(at(2000));
    expect(purged).to.deep.equal([
      binding('sip:a@x', 'sip:1', at(1000)),
      binding('sip:b@x', 'sip:2', at(2000), { q: 0.3, instanceId: 'i' }),
    ]);
    expect(await db.bindings.purgeExpired(at(2000))).to.deep.equal([]);
    expect((await db.bindings.all(at(0))).map((b) => b.contact)).to.deep.equal(['sip:3']);
    clock.advance(5000);
    expect((await db.bindings.purgeExpired()).map((b) => b.contact)).to.deep.equal(['sip:3']);
  });

  it('an expired binding refreshed by put is live again', async () => {
    await db.bindings.put(binding('sip:a@x', 'sip:1', at(1000)));
    clock.advance(2000);
    expect(await db.bindings.get('sip:a@x')).to.deep.equal([]);
    await db.bindings.put(binding('sip:a@x', 'sip:1', at(1000)));
    expect((await db.bindings.get('sip:a@x')).length).to.equal(1);
  });

  it('remove counts one contact or the whole AOR (Contact: *)', async () => {
    await db.bindings.put(binding('sip:a@x', 'sip:1', at(1000)));
    await db.bindings.put(binding('sip:a@x', 'sip:2', at(1000)));
    await db.bindings.put(binding('sip:a@x', 'sip:3', at(1000)));
    await db.bindings.put(binding('sip:b@x', 'sip:1', at(1000)));
    expect(await db.bindings.remove('sip:a@x', 'sip:1')).to.equal(1);
    expect(await db.bindings.remove('sip:a@x', 'sip:1')).to.equal(0);
    expect(await db.bindings.remove('sip:a@x')).to.equal(2);
    expect(await db.bindings.remove('sip:nobody@x')).to.equal(0);
    expect((await db.bindings.all()).map((b) => b.aor)).to.deep.equal(['sip:b@x']);
  });

  it('refuses an Invalid Date with a typed error naming the operation and the file', async () => {
    const err = await db.bindings.put(binding('sip:a@x', 'sip:1', new Date(Number.NaN))).then(() => undefined, (e: unknown) => e);
    expect(err).to.include({ code: 'RVOIP_ERR_STORAGE_INVALID_ARGUMENT', operation: 'bindings.put', path: db.path });
    expect((err as Error).message).to.equal(`sqlite storage: bindings.put failed on ${db.path}: expiresAt is not a valid Date`);
  });

  it('200 concurrent puts and gets from the same process all land', async () => {
    await Promise.all(Array.from({ length: 200 }, (_, i) => db.bindings.put(binding(`sip:u${i % 20}@x`, `sip:c${i}`, at(60_000)))));
    const counts = await Promise.all(Array.from({ length: 20 }, (_, i) => db.bindings.get(`sip:u${i}@x`).then((l) => l.length)));
    expect(counts).to.deep.equal(Array(20).fill(10));
    expect((await db.bindings.all()).length).to.equal(200);
  });
});
