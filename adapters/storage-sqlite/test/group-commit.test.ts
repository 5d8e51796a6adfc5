import { DatabaseSync } from 'node:sqlite';
import { expect } from 'chai';
import { binding, cdr, openAdapter, rejection, tempDir } from './helpers.js';

/** Operations issued in the same event-loop turn share one transaction; each settles on its own. */
describe('storage-sqlite: group commit', () => {
  const dir = tempDir();
  after(() => dir.remove());
  const later = new Date(Date.now() + 3_600_000);

  it('a failing operation in a batch rejects alone; the others commit', async () => {
    const path = dir.file('partial.db');
    const db = await openAdapter({ path });
    await db.cdrs.append(cdr('dup', new Date(1_700_000_000_000)));
    await db.kv.set('text', 'not a number');
    const settled = await Promise.allSettled([
      db.bindings.put(binding('sip:a@x', 'sip:a@1', later)),
      db.cdrs.append(cdr('dup', new Date(1_700_000_000_000))),
      db.kv.set('k', 1),
      db.kv.increment('text'),
      db.kv.increment('n', 5),
    ]);
    expect(settled.map((s) => (s.status === 'rejected' ? (s.reason as { code: string }).code : s.status))).to.deep.equal([
      'fulfilled', 'RVOIP_ERR_STORAGE_CONSTRAINT', 'fulfilled', 'RVOIP_ERR_STORAGE_INVALID_ARGUMENT', 'fulfilled',
    ]);
    await db.close();
    const again = await openAdapter({ path });
    expect((await again.bindings.get('sip:a@x')).length).to.equal(1);
    expect(await again.kv.get('k')).to.equal(1);
    expect(await again.kv.get('n')).to.equal(5);
    expect(await again.kv.get('text')).to.equal('not a number');
    await again.close();
  });

  it('operations run in call order: a read issued after an unawaited write sees it', async () => {
    const db = await openAdapter({ path: dir.file('order.db') });
    const write = db.kv.set('k', 'v1');
    const read = db.kv.get('k');
    const overwrite = db.kv.set('k', 'v2');
    const reread = db.kv.get('k');
    const deleted = db.kv.delete('k');
    const gone = db.kv.get('k');
    expect(await Promise.all([write, read, overwrite, reread, deleted, gone])).to.deep.equal([undefined, 'v1', undefined, 'v2', true, undefined]);
    await db.close();
  });

  it('when the batch cannot commit, every operation in it rejects and none is stored', async () => {
    const path = dir.file('locked.db');
    const db = await openAdapter({ path, busyTimeoutMs: 0 });
    const other = new DatabaseSync(path);
    other.exec('BEGIN IMMEDIATE');
    const settled = await Promise.allSettled([db.kv.set('a', 1), db.kv.set('b', 2), db.bindings.put(binding('sip:a@x', 'sip:a@1', later))]);
    other.exec('ROLLBACK');
    other.close();
    expect(settled.map((s) => s.status)).to.deep.equal(['rejected', 'rejected', 'rejected']);
    expect(settled.map((s) => (s as PromiseRejectedResult).reason as { code: string; operation: string }).map((e) => [e.code, e.operation])).to.deep.equal([
      ['RVOIP_ERR_STORAGE_BUSY', 'kv.set'], ['RVOIP_ERR_STORAGE_BUSY', 'kv.set'], ['RVOIP_ERR_STORAGE_BUSY', 'bindings.put'],
    ]);
    expect(await db.kv.keys('')).to.deep.equal([]);
    expect(await db.bindings.all()).to.deep.equal([]);
    await db.close();
  });

  it('close() runs what is queued first, so no pending caller is dropped', async () => {
    const path = dir.file('close.db');
    const db = await openAdapter({ path });
    const pending = [db.kv.set('a', 1), db.bindings.put(binding('sip:a@x', 'sip:a@1', later))];
    await db.close();
    await Promise.all(pending);
    expect((await rejection(db.kv.set('late', 1))).code).to.equal('RVOIP_ERR_STORAGE_NOT_OPEN');
    const again = await openAdapter({ path });
    expect(await again.kv.get('a')).to.equal(1);
    expect((await again.bindings.all()).length).to.equal(1);
    await again.close();
  });
});
