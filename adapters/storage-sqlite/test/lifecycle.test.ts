import { mkdirSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { expect } from 'chai';
import { MIGRATIONS, SCHEMA_VERSION, SqliteStorageAdapter, SqliteStorageError } from '@rvoip/storage-sqlite';
import { binding, cdr, openAdapter, rejection, tempDir } from './helpers.js';

function userVersion(path: string): number {
  const raw = new DatabaseSync(path);
  try {
    return (raw.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
  } finally {
    raw.close();
  }
}

describe('storage-sqlite: open, close, persistence, migrations', () => {
  const dir = tempDir();
  after(() => dir.remove());
  const later = new Date(Date.now() + 3_600_000);

  it('creates missing directories and runs WAL with synchronous=FULL by default', async () => {
    const path = dir.file('deep/er/rvoip.db');
    const db = await openAdapter({ path, busyTimeoutMs: 1234 });
    expect(db.pragmas()).to.deep.equal({ journalMode: 'wal', synchronous: 'full', busyTimeoutMs: 1234 });
    expect(db.schemaVersion).to.equal(SCHEMA_VERSION);
    expect(userVersion(path)).to.equal(SCHEMA_VERSION);
    await db.close();
    const normal = await openAdapter({ path, synchronous: 'normal' });
    expect(normal.pragmas().synchronous).to.equal('normal');
    await normal.close();
  });

  it('keeps everything across close and reopen', async () => {
    const path = dir.file('persist.db');
    const a = await openAdapter({ path });
    await a.users.put({ username: 'alice', domain: 'x', password: 'p', enabled: true });
    await a.bindings.put(binding('sip:alice@x', 'sip:alice@1', later));
    await a.cdrs.append(cdr('c1', new Date(1_700_000_000_000), { tags: { k: [1] } }));
    await a.kv.set('k', { v: 1 });
    await a.kv.increment('n', 7);
    await a.close();
    const b = await openAdapter({ path });
    expect((await b.users.get('alice', 'x'))?.password).to.equal('p');
    expect(await b.bindings.get('sip:alice@x')).to.deep.equal([binding('sip:alice@x', 'sip:alice@1', later)]);
    expect((await b.cdrs.get('c1'))?.tags).to.deep.equal({ k: [1] });
    expect(await b.kv.get('k')).to.deep.equal({ v: 1 });
    expect(await b.kv.increment('n')).to.equal(8);
    await b.close();
  });

  it('open and close are idempotent; calls before open or after close name the operation and file', async () => {
    const path = dir.file('idem.db');
    const db = new SqliteStorageAdapter({ path });
    const before = await rejection(db.kv.get('x'));
    expect(before).to.be.instanceOf(SqliteStorageError);
    expect(before).to.include({ code: 'RVOIP_ERR_STORAGE_NOT_OPEN', operation: 'kv.get', path });
    expect(before.message).to.equal(`sqlite storage: kv.get failed on ${path}: the storage adapter is not open (call open() first, or it was closed)`);
    await db.open();
    await db.open();
    expect(db.isOpen).to.equal(true);
    await db.close();
    await db.close();
    expect((await rejection(db.bindings.all())).code).to.equal('RVOIP_ERR_STORAGE_NOT_OPEN');
  });

  it('migrates an old-version file in place, keeping its data', async () => {
    const path = dir.file('old.db');
    const v1 = await openAdapter({ path, migrations: MIGRATIONS.slice(0, 1) });
    expect(v1.schemaVersion).to.equal(1);
    await v1.close();
    // Written as a version-1 build wrote it: today's store writes columns v1 lacks.
    const old = new DatabaseSync(path);
    old.prepare(
      'INSERT INTO bindings (aor, contact, expires_at, call_id, cseq, source_transport, source_address, source_port) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ).run('sip:old@x', 'sip:old@1', later.getTime(), 'c1', 1, 'udp', '127.0.0.1', 5062);
    old.close();
    expect(userVersion(path)).to.equal(1);

    const current = await openAdapter({ path });
    expect(current.schemaVersion).to.equal(SCHEMA_VERSION);
    expect(userVersion(path)).to.equal(SCHEMA_VERSION);
    const [kept] = await current.bindings.get('sip:old@x');
    expect(kept!.contact).to.equal('sip:old@1');
    expect(kept).to.not.have.any.keys('regId', 'path');
    await current.close();
    const raw = new DatabaseSync(path);
    const indexes = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    raw.close();
    expect(indexes).to.deep.equal(['bindings_expires_at', 'cdrs_from_started', 'cdrs_started_at', 'cdrs_to_started', 'kv_expires_at']);
  });

  it('a failing migration rolls back entirely and names the version', async () => {
    const path = dir.file('broken-migration.db');
    const broken = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, description: 'broken', sql: 'CREATE TABLE extra (x INTEGER); CREATE TABLE users (y TEXT);' }];
    const err = await rejection(new SqliteStorageAdapter({ path, migrations: broken }).open());
    expect(err.code).to.equal('RVOIP_ERR_STORAGE_MIGRATION_FAILED');
    expect(err.message).to.equal(`sqlite storage: migration to schema version ${SCHEMA_VERSION + 1} (broken) failed on ${path}: table users already exists`);
    // Versions 1..n were in the same transaction: the file is still empty.
    expect(userVersion(path)).to.equal(0);
  });

  it('refuses a file with a newer schema than this package knows, without touching it', async () => {
    const path = dir.file('future.db');
    const raw = new DatabaseSync(path);
    raw.exec(`CREATE TABLE from_the_future (x INTEGER); PRAGMA user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    const db = new SqliteStorageAdapter({ path });
    const err = await rejection(db.open());
    expect(err).to.be.instanceOf(SqliteStorageError);
    expect(err).to.include({ code: 'RVOIP_ERR_STORAGE_SCHEMA_TOO_NEW', path });
    expect(err.message).to.equal(
      `sqlite storage: open failed on ${path}: the database has schema version ${SCHEMA_VERSION + 5}, but this @rvoip/storage-sqlite only knows versions up to ${SCHEMA_VERSION}; ` +
        'upgrade @rvoip/storage-sqlite, or point storage.options.path at another file',
    );
    expect(db.isOpen).to.equal(false);
    expect(userVersion(path)).to.equal(SCHEMA_VERSION + 5);
  });

  it('a path that cannot be a database fails open with a typed error', async () => {
    const path = dir.file('a-directory');
    mkdirSync(path);
    const err = await rejection(new SqliteStorageAdapter({ path }).open());
    expect(err.code).to.equal('RVOIP_ERR_STORAGE_OPEN_FAILED');
    expect(err.message).to.match(new RegExp(`^sqlite storage: open failed on ${path}: `));
    const notDb = dir.file('not-a-db.db');
    writeFileSync(notDb, 'this is not an SQLite file, just text that is long enough to have a header '.repeat(20));
    const err2 = await rejection(new SqliteStorageAdapter({ path: notDb }).open());
    expect(err2.code).to.be.oneOf(['RVOIP_ERR_STORAGE_OPEN_FAILED', 'RVOIP_ERR_STORAGE_QUERY_FAILED']);
    expect(err2.message).to.contain(notDb);
  });

  it('a lock held by another connection surfaces as RVOIP_ERR_STORAGE_BUSY after busyTimeoutMs', async () => {
    const path = dir.file('busy.db');
    const db = await openAdapter({ path, busyTimeoutMs: 0 });
    const other = new DatabaseSync(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const err = await rejection(db.kv.set('k', 1));
      expect(err).to.include({ code: 'RVOIP_ERR_STORAGE_BUSY', operation: 'kv.set', path });
      expect(err.message).to.contain('raise storage.options.busyTimeoutMs');
      // Reads still work in WAL mode while another connection writes.
      expect(await db.kv.get('k')).to.equal(undefined);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await db.kv.set('k', 1);
    expect(await db.kv.get('k')).to.equal(1);
    await db.close();
  });

  it('many concurrent calls across all stores complete and are all visible', async () => {
    const db = await openAdapter({ path: dir.file('concurrent.db') });
    await Promise.all(Array.from({ length: 60 }, (_, i) => [
      db.users.put({ username: `u${i}`, domain: 'x', password: 'p', enabled: true }),
      db.bindings.put(binding(`sip:u${i}@x`, 'sip:c', later)),
      db.cdrs.append(cdr(`c${i}`, new Date(1_700_000_000_000 + i))),
      db.kv.increment('total'),
      db.kv.set(`k:${i}`, i),
    ]).flat());
    expect((await db.users.list('x')).length).to.equal(60);
    expect((await db.bindings.all()).length).to.equal(60);
    expect((await db.cdrs.query()).length).to.equal(60);
    expect(await db.kv.get('total')).to.equal(60);
    expect((await db.kv.keys('k:')).length).to.equal(60);
    await db.close();
  });

  it('":memory:" runs without a file', async () => {
    const db = await openAdapter({ path: ':memory:' });
    await db.kv.set('x', 1);
    expect(await db.kv.get('x')).to.equal(1);
    expect(db.pragmas().journalMode).to.equal('memory');
    await db.close();
  });
});
