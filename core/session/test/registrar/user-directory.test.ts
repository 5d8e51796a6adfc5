import { expect } from 'chai';
import { MemoryStorageAdapter } from '@rvoip/kernel';
import { UserDirectory } from '@rvoip/session';

describe('session/registrar UserDirectory', () => {
  it('merges config users with storage users of the domain; config wins; disabled users do not exist', async () => {
    const storage = new MemoryStorageAdapter();
    await storage.users.put({ username: 'alice', domain: 'example.com', password: 'from-db', enabled: true });
    await storage.users.put({ username: 'bob', domain: 'example.com', ha1: 'ABCDEF0123', enabled: true });
    await storage.users.put({ username: 'carol', domain: 'example.com', password: 'pw', enabled: false });
    await storage.users.put({ username: 'dave', domain: 'other.example', password: 'pw', enabled: true });
    const dir = new UserDirectory([{ username: 'alice', password: 'from-config' }, { username: 'erin', password: 'e' }], 'example.com', storage.users);
    expect(await dir.secret('alice')).to.equal('from-config');
    expect(await dir.secret('erin')).to.equal('e');
    expect(await dir.secret('bob')).to.deep.equal({ ha1: { MD5: 'ABCDEF0123' } });
    expect(await dir.secret('carol')).to.equal(undefined);
    expect(await dir.secret('dave')).to.equal(undefined);
    expect(await Promise.all(['alice', 'bob', 'carol', 'dave', 'erin', 'zed'].map((u) => dir.exists(u)))).to.deep.equal([true, true, false, false, true, false]);
  });

  it('works without a user store', async () => {
    const dir = new UserDirectory([{ username: 'x', password: 'y' }], 'example.com');
    expect(await dir.exists('x')).to.equal(true);
    expect(await dir.exists('y')).to.equal(false);
    expect(await dir.secret('y')).to.equal(undefined);
  });
});
