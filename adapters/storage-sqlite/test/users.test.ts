import { expect } from 'chai';
import type { UserRecord } from '@rvoip/sdk';
import type { SqliteStorageAdapter } from '@rvoip/storage-sqlite';
import { openAdapter, rejection, tempDir } from './helpers.js';

describe('storage-sqlite: users', () => {
  const dir = tempDir();
  let db: SqliteStorageAdapter;
  beforeEach(async () => {
    db = await openAdapter({ path: dir.file(`u-${Math.random().toString(36).slice(2)}.db`) });
  });
  afterEach(() => db.close());
  after(() => dir.remove());

  const alice: UserRecord = {
    username: 'alice', domain: 'example.com', password: 's3cret', displayName: 'Alice', enabled: true,
    attributes: { department: 'sales', 'x-ü': 'ünïcode' },
  };
  const bob: UserRecord = { username: 'bob', domain: 'example.com', ha1: '0123456789abcdef0123456789abcdef', enabled: false };

  it('round-trips a user with a password and one with only an HA1', async () => {
    await db.users.put(alice);
    await db.users.put(bob);
    expect(await db.users.get('alice', 'example.com')).to.deep.equal(alice);
    const gotBob = await db.users.get('bob', 'example.com');
    expect(gotBob).to.deep.equal(bob);
    expect(Object.keys(gotBob ?? {})).to.have.members(['username', 'domain', 'ha1', 'enabled']);
  });

  it('keys by username and domain, replaces on put, deletes once', async () => {
    await db.users.put(alice);
    await db.users.put({ ...alice, domain: 'other.org', password: 'x' });
    await db.users.put({ ...alice, password: undefined, ha1: 'ffff', displayName: undefined, enabled: false });
    expect(await db.users.get('alice', 'example.com')).to.deep.equal({ username: 'alice', domain: 'example.com', ha1: 'ffff', enabled: false, attributes: alice.attributes });
    expect((await db.users.get('alice', 'other.org'))?.password).to.equal('x');
    expect(await db.users.get('alice', 'nowhere')).to.equal(undefined);
    expect(await db.users.delete('alice', 'other.org')).to.equal(true);
    expect(await db.users.delete('alice', 'other.org')).to.equal(false);
  });

  it('lists all users or one domain, sorted', async () => {
    await db.users.put(bob);
    await db.users.put(alice);
    await db.users.put({ ...bob, domain: 'a.net' });
    expect((await db.users.list()).map((u) => `${u.username}@${u.domain}`)).to.deep.equal(['bob@a.net', 'alice@example.com', 'bob@example.com']);
    expect((await db.users.list('example.com')).map((u) => u.username)).to.deep.equal(['alice', 'bob']);
    expect(await db.users.list('empty.org')).to.deep.equal([]);
  });

  it('refuses a user with neither password nor ha1', async () => {
    const err = await rejection(db.users.put({ username: 'eve', domain: 'example.com', enabled: true }));
    expect(err.code).to.equal('RVOIP_ERR_STORAGE_INVALID_ARGUMENT');
    expect(err.message).to.equal(`sqlite storage: users.put failed on ${db.path}: user eve@example.com has neither password nor ha1`);
    expect(await db.users.get('eve', 'example.com')).to.equal(undefined);
  });
});
