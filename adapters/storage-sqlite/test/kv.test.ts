import { expect } from 'chai';
import { escapeLike } from '@rvoip/storage-sqlite';
import type { SqliteStorageAdapter } from '@rvoip/storage-sqlite';
import { fakeClock, openAdapter, rejection, tempDir } from './helpers.js';

describe('storage-sqlite: key/value with TTL', () => {
  const dir = tempDir();
  const clock = fakeClock();
  let db: SqliteStorageAdapter;
  beforeEach(async () => {
    clock.now = Date.UTC(2026, 0, 1);
    db = await openAdapter({ path: dir.file(`k-${Math.random().toString(36).slice(2)}.db`), clock: clock.fn });
  });
  afterEach(() => db.close());
  after(() => dir.remove());

  it('stores any JSON value', async () => {
    const values = [0, -1.5, 'text', true, false, null, [], [1, [2, { a: 'ü' }]], { nested: { deep: [null] } }];
    for (const [i, v] of values.entries()) await db.kv.set(`v:${i}`, v);
    for (const [i, v] of values.entries()) expect(await db.kv.get(`v:${i}`)).to.deep.equal(v);
    expect(await db.kv.get('missing')).to.equal(undefined);
  });

  it('a key is visible until its TTL elapses and invisible from that instant', async () => {
    await db.kv.set('presence:alice', { status: 'online' }, { ttlMs: 1000 });
    clock.advance(999);
    expect(await db.kv.get('presence:alice')).to.deep.equal({ status: 'online' });
    expect(await db.kv.keys('presence:')).to.deep.equal(['presence:alice']);
    clock.advance(1);
    expect(await db.kv.get('presence:alice')).to.equal(undefined);
    expect(await db.kv.keys('presence:')).to.deep.equal([]);
    expect(await db.kv.delete('presence:alice')).to.equal(false);
  });

  it('ttlMs 0 is expired at once; set without TTL clears an earlier TTL; a negative TTL is refused', async () => {
    await db.kv.set('zero', 1, { ttlMs: 0 });
    expect(await db.kv.get('zero')).to.equal(undefined);
    await db.kv.set('k', 1, { ttlMs: 10 });
    await db.kv.set('k', 2);
    clock.advance(1000);
    expect(await db.kv.get('k')).to.equal(2);
    const err = await rejection(db.kv.set('k', 3, { ttlMs: -5 }));
    expect(err.code).to.equal('RVOIP_ERR_STORAGE_INVALID_ARGUMENT');
    expect(err.message).to.equal(`sqlite storage: kv.set failed on ${db.path}: ttlMs must be a finite number >= 0, got -5`);
  });

  it('setIfAbsent: only the first wins; an expired key counts as absent', async () => {
    expect(await db.kv.setIfAbsent('park:701', { call: 'a' }, { ttlMs: 5000 })).to.equal(true);
    expect(await db.kv.setIfAbsent('park:701', { call: 'b' })).to.equal(false);
    expect(await db.kv.get('park:701')).to.deep.equal({ call: 'a' });
    clock.advance(5000);
    expect(await db.kv.setIfAbsent('park:701', { call: 'c' })).to.equal(true);
    clock.advance(1_000_000);
    // The new value took the new options: no TTL.
    expect(await db.kv.get('park:701')).to.deep.equal({ call: 'c' });
  });

  it('setIfAbsent is atomic under 50 concurrent claimants: exactly one wins', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => db.kv.setIfAbsent('lock:x', i)));
    expect(results.filter(Boolean).length).to.equal(1);
    expect(await db.kv.get('lock:x')).to.equal(results.indexOf(true));
  });

  it('increment: starts at 0, accepts negative and fractional steps, keeps a live counter\'s expiry', async () => {
    expect(await db.kv.increment('n')).to.equal(1);
    expect(await db.kv.increment('n', 4)).to.equal(5);
    expect(await db.kv.increment('n', -2.5)).to.equal(2.5);
    expect(await db.kv.increment('rate:alice', 1, { ttlMs: 1000 })).to.equal(1);
    clock.advance(600);
    // A later ttlMs does not stretch the window.
    expect(await db.kv.increment('rate:alice', 1, { ttlMs: 1000 })).to.equal(2);
    clock.advance(400);
    expect(await db.kv.get('rate:alice')).to.equal(undefined);
    expect(await db.kv.increment('rate:alice', 1, { ttlMs: 1000 })).to.equal(1);
  });

  it('increment is atomic under 100 concurrent callers', async () => {
    const results = await Promise.all(Array.from({ length: 100 }, () => db.kv.increment('hits')));
    expect([...results].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(await db.kv.get('hits')).to.equal(100);
  });

  it('increment refuses a live non-number and leaves it untouched', async () => {
    await db.kv.set('s', 'text');
    const err = await rejection(db.kv.increment('s'));
    expect(err.code).to.equal('RVOIP_ERR_STORAGE_INVALID_ARGUMENT');
    expect(err.message).to.equal(`sqlite storage: kv.increment failed on ${db.path}: key "s" holds "text", not a number`);
    expect(await db.kv.get('s')).to.equal('text');
  });

  it('delete reports whether a live key was removed', async () => {
    await db.kv.set('d', 1);
    expect(await db.kv.delete('d')).to.equal(true);
    expect(await db.kv.delete('d')).to.equal(false);
    expect(await db.kv.get('d')).to.equal(undefined);
  });

  it('keys(prefix) matches literally: LIKE wildcards and the escape character are escaped, case matters', async () => {
    for (const k of ['a%b:1', 'a%b:2', 'axb:1', 'a_c:1', 'abc:1', 'a\\d:1', 'a\\\\d:1', 'A%b:1', 'ünï:1', 'ünï', 'other']) await db.kv.set(k, 1);
    expect(await db.kv.keys('a%b:')).to.deep.equal(['a%b:1', 'a%b:2']);
    expect(await db.kv.keys('a_')).to.deep.equal(['a_c:1']);
    expect(await db.kv.keys('a\\')).to.deep.equal(['a\\\\d:1', 'a\\d:1']);
    expect(await db.kv.keys('a\\d')).to.deep.equal(['a\\d:1']);
    expect(await db.kv.keys('A')).to.deep.equal(['A%b:1']);
    expect(await db.kv.keys('ünï')).to.deep.equal(['ünï', 'ünï:1']);
    expect(await db.kv.keys('')).to.have.length(11);
    expect(await db.kv.keys('zzz')).to.deep.equal([]);
    expect(escapeLike('50%_\\x')).to.equal('50\\%\\_\\\\x');
  });

  it('open() sweeps expired keys left in the file', async () => {
    await db.kv.set('old', 1, { ttlMs: 10 });
    await db.kv.set('keep', 1);
    await db.close();
    clock.advance(10);
    await db.open();
    expect(db.kv.sweep()).to.equal(0);
    expect(await db.kv.keys('')).to.deep.equal(['keep']);
  });
});
