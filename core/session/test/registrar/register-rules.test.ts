/**
 * RFC 3261 10.3 over a real UDP socket: hand-written REGISTERs (RFC 4475 torture
 * messages included) against the registrar on a SipStack, responses checked on the wire.
 */
import { expect } from 'chai';
import type { BindingStore, ContactBinding } from '@rvoip/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorageAdapter } from '@rvoip/kernel';
import { SqliteStorageAdapter } from '@rvoip/storage-sqlite';
import { DOMAIN, RawClient, contactLines, startRig, torture } from './helpers.js';
import type { Rig } from './helpers.js';

const AOR = `sip:alice@${DOMAIN}`;

describe('session/registrar REGISTER rules (RFC 3261 10.3) over UDP', () => {
  let rig: Rig;
  let ua: RawClient;
  afterEach(async () => {
    ua?.close();
    await rig?.close();
  });
  async function start(opts: Parameters<typeof startRig>[0] = {}): Promise<void> {
    rig = await startRig(opts);
    ua = await RawClient.open(rig.port);
  }

  it('200 lists every current binding with its expires param, q kept, plus a Date header', async () => {
    await start();
    await ua.register({ callId: 'a', contacts: ['<sip:alice@192.0.2.1>;q=0.3'], expires: 600 });
    const res = await ua.register({ callId: 'b', contacts: ['<sip:alice@192.0.2.2>;q=0.8;expires=900'] });
    expect(res.status).to.equal(200);
    expect(contactLines(res)).to.deep.equal(['<sip:alice@192.0.2.2>;expires=900;q=0.8', '<sip:alice@192.0.2.1>;expires=600;q=0.3']);
    expect(new Date(res.headers.get('Date')!).getTime()).to.be.greaterThan(0);
    const bindings = await rig.registry.lookup(AOR);
    expect(bindings.map((b) => b.q)).to.deep.equal([0.8, 0.3]);
  });

  it('expiry: contact param over Expires header over the 3600 default, capped at the maximum', async () => {
    await start({ maxExpires: 5000 });
    const dflt = await ua.register({ callId: 'd', contacts: ['<sip:alice@192.0.2.1>'] });
    expect(dflt.contacts[0]!.param('expires')).to.equal('3600');
    const header = await ua.register({ callId: 'h', contacts: ['<sip:alice@192.0.2.1>'], expires: 120 });
    expect(header.contacts[0]!.param('expires')).to.equal('120');
    const param = await ua.register({ callId: 'p', contacts: ['<sip:alice@192.0.2.1>;expires=300'], expires: 120 });
    expect(param.contacts[0]!.param('expires')).to.equal('300');
    const capped = await ua.register({ callId: 'c', contacts: ['<sip:alice@192.0.2.1>'], expires: 99999 });
    expect(capped.contacts[0]!.param('expires')).to.equal('5000');
  });

  it('423 Interval Too Brief with Min-Expires, unless the expiry is 0', async () => {
    await start({ minExpires: 120, defaultExpires: 3600 });
    const brief = await ua.register({ contacts: ['<sip:alice@192.0.2.1>;expires=30'] });
    expect(brief.status).to.equal(423);
    expect(brief.headers.get('Min-Expires')).to.equal('120');
    const headerBrief = await ua.register({ expires: 119 });
    expect(headerBrief.status).to.equal(423);
    const zero = await ua.register({ expires: 0 });
    expect(zero.status).to.equal(200);
    expect(zero.contacts).to.have.length(0);
  });

  it('Contact: * with Expires: 0 removes all bindings of the AOR; otherwise 400', async () => {
    await start();
    await ua.register({ callId: 'x', contacts: ['<sip:alice@192.0.2.1>', '<sip:alice@192.0.2.2>'] });
    await ua.register({ user: 'bob', callId: 'y' });
    expect((await ua.register({ callId: 's1', contacts: ['*'] })).status).to.equal(400);
    expect((await ua.register({ callId: 's2', contacts: ['*'], expires: 60 })).status).to.equal(400);
    expect((await ua.register({ callId: 's3', contacts: ['*', '<sip:alice@192.0.2.3>'], expires: 0 })).status).to.equal(400);
    expect((await ua.register({ callId: 's4', contacts: ['*, <sip:alice@192.0.2.3>'], expires: 0 })).status).to.equal(400);
    expect(await rig.registry.lookup(AOR)).to.have.length(2);
    const star = await ua.register({ callId: 's5', contacts: ['*'], expires: 0 });
    expect(star.status).to.equal(200);
    expect(star.contacts).to.have.length(0);
    expect(await rig.registry.lookup(AOR)).to.have.length(0);
    expect(await rig.registry.lookup(`sip:bob@${DOMAIN}`)).to.have.length(1);
  });

  it('a REGISTER without Contact is a query: 200 with the current bindings, nothing changed', async () => {
    await start();
    await ua.register({ callId: 'q1' });
    const res = await ua.register({ callId: 'q2', contacts: [] });
    expect(res.status).to.equal(200);
    expect(contactLines(res)).to.have.length(1);
  });

  it('same Call-ID with a CSeq not above the stored one: 500, binding unchanged (step 7)', async () => {
    await start();
    expect((await ua.register({ callId: 'ord', cseq: 10, expires: 600 })).status).to.equal(200);
    expect((await ua.register({ callId: 'ord', cseq: 10, expires: 0 })).status).to.equal(500);
    expect((await ua.register({ callId: 'ord', cseq: 9, expires: 0 })).status).to.equal(500);
    expect(await rig.registry.lookup(AOR)).to.have.length(1);
    expect((await ua.register({ callId: 'ord', cseq: 11, expires: 0 })).status).to.equal(200);
    expect(await rig.registry.lookup(AOR)).to.have.length(0);
  });

  it('unksm2: non-SIP To is 400; a non-SIP Contact is 400 too', async () => {
    await start();
    const res = await ua.send(torture('unksm2'));
    expect(res.status).to.equal(400);
    expect(res.reason).to.match(/not a SIP URI/);
    const contact = await ua.register({ contacts: ['<mailto:alice@example.com>'] });
    expect(contact.status).to.equal(400);
    expect(await rig.registry.list()).to.have.length(0);
  });

  it('404 for an AOR of another domain, a Request-URI of another domain, or an unknown user when a directory is set', async () => {
    await start({ users: [{ username: 'alice', password: 'pw' }] });
    expect((await ua.register({ to: '<sip:alice@elsewhere.example>' })).status).to.equal(404);
    expect((await ua.register({ uri: 'sip:elsewhere.example' })).status).to.equal(404);
    expect((await ua.register({ user: 'mallory' })).status).to.equal(404);
    await rig.storage.users.put({ username: 'carol', domain: DOMAIN, password: 'pw', enabled: true });
    expect((await ua.register({ user: 'carol' })).status).to.equal(200);
    expect((await ua.register({ user: 'alice' })).status).to.equal(200);
    expect((await ua.register({ user: 'alice', uri: `sip:127.0.0.1:${rig.port}` })).status).to.equal(200);
  });

  it('400 for a malformed expires or q param', async () => {
    await start();
    expect((await ua.register({ contacts: ['<sip:alice@192.0.2.1>;expires=soon'] })).status).to.equal(400);
    expect((await ua.register({ contacts: ['<sip:alice@192.0.2.1>;q=1.5'] })).status).to.equal(400);
  });

  it('cparam02 and regescrt: URI params and escaped headers of a bracketed Contact are stored and returned verbatim', async () => {
    await start();
    const cparam = await ua.send(torture('cparam02'));
    expect(cparam.status).to.equal(200);
    expect(contactLines(cparam)[0]).to.match(/^<sip:\+19725552222@gw1\.example\.net;unknownparam>;expires=\d+$/);
    expect((await rig.registry.lookup(`sip:watson@${DOMAIN}`))[0]!.contact).to.equal('sip:+19725552222@gw1.example.net;unknownparam');
    const escaped = await ua.send(torture('regescrt'));
    expect(escaped.status).to.equal(200);
    expect(escaped.headers.get('Contact')).to.match(/^<sip:user@example\.com\?Route=%3Csip:sip\.example\.com%3E>;expires=\d+$/);
    expect((await rig.registry.lookup(`sip:user@${DOMAIN}`))[0]!.contact).to.equal('sip:user@example.com?Route=%3Csip:sip.example.com%3E');
  });

  it('Path (RFC 3327) is stored and echoed when the UA supports path, stored but not echoed otherwise', async () => {
    await start();
    const path = ['Path: <sip:edge1.example.com;lr>', 'Path: <sip:edge2.example.com;lr>'];
    const res = await ua.register({ callId: 'p1', headers: [...path, 'Supported: path'] });
    expect(res.status).to.equal(200);
    expect(res.headers.getAll('Path').join(', ')).to.equal('<sip:edge1.example.com;lr>, <sip:edge2.example.com;lr>');
    expect((await rig.registry.lookup(AOR))[0]!.path).to.deep.equal(['<sip:edge1.example.com;lr>', '<sip:edge2.example.com;lr>']);
    const quiet = await ua.register({ user: 'bob', callId: 'p2', headers: path });
    expect(quiet.headers.getAll('Path')).to.have.length(0);
    expect((await rig.registry.lookup(`sip:bob@${DOMAIN}`))[0]!.path).to.have.length(2);
  });

  it('+sip.instance and reg-id (RFC 5626) are kept, returned, and answered with Require: outbound', async () => {
    await start();
    const inst = '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"';
    const res = await ua.register({ callId: 'o1', contacts: [`<sip:alice@192.0.2.1;ob>;+sip.instance=${inst};reg-id=1`], headers: ['Supported: outbound, path'] });
    expect(res.status).to.equal(200);
    expect(res.contacts[0]!.param('+sip.instance')).to.equal('<urn:uuid:00000000-0000-1000-8000-000A95A0E128>');
    expect(res.contacts[0]!.param('reg-id')).to.equal('1');
    expect(res.require).to.include('outbound');
    const [b] = await rig.registry.lookup(AOR);
    expect(b).to.include({ instanceId: '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>', regId: 1 });
    expect(b!.source).to.deep.equal({ transport: 'udp', address: '127.0.0.1', port: ua.port });
  });

  it('503 Too Many Registered Contacts once an AOR would exceed maxContacts, the bindings untouched', async () => {
    await start({ maxContacts: 2 });
    expect((await ua.register({ callId: 'mc1', contacts: ['<sip:alice@192.0.2.1>', '<sip:alice@192.0.2.2>'] })).status).to.equal(200);
    const res = await ua.register({ callId: 'mc2', contacts: ['<sip:alice@192.0.2.3>'] });
    expect(res.status).to.equal(503);
    expect(res.reason).to.equal('Too Many Registered Contacts');
    expect((await rig.registry.lookup(AOR)).map((b) => b.contact).sort()).to.deep.equal(['sip:alice@192.0.2.1', 'sip:alice@192.0.2.2']);
  });

  it('Path and reg-id survive in the SQLite adapter, across a reopen of the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rvoip-reg-path-'));
    try {
      const file = join(dir, 'r.db');
      await start({ storage: new SqliteStorageAdapter({ path: file }) });
      const inst = '"<urn:uuid:00000000-0000-1000-8000-000A95A0E129>"';
      const res = await ua.register({
        callId: 'sq1', contacts: [`<sip:alice@192.0.2.9;ob>;+sip.instance=${inst};reg-id=2`],
        headers: ['Path: <sip:edge1.example.com;lr>', 'Path: <sip:edge2.example.com;lr>', 'Supported: outbound, path'],
      });
      expect(res.status).to.equal(200);
      const expected = { regId: 2, path: ['<sip:edge1.example.com;lr>', '<sip:edge2.example.com;lr>'] };
      expect((await rig.registry.lookup(AOR))[0]).to.deep.include(expected);
      await rig.close();
      const reopened = new SqliteStorageAdapter({ path: file });
      await reopened.open();
      try {
        expect((await reopened.bindings.get(AOR))[0]).to.deep.include(expected);
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the binding is in storage before the 200 OK leaves (awaited write)', async () => {
    const storage = new MemoryStorageAdapter();
    const inner = storage.bindings;
    const events: string[] = [];
    const slow: BindingStore = {
      put: async (b: ContactBinding) => {
        await new Promise((r) => setTimeout(r, 30));
        await inner.put(b);
        events.push(`stored ${b.contact}`);
      },
      remove: (a, c) => inner.remove(a, c),
      get: (a, n) => inner.get(a, n),
      all: (n) => inner.all(n),
      purgeExpired: (n) => inner.purgeExpired(n),
    };
    Object.defineProperty(storage, 'bindings', { value: slow });
    await start({ storage });
    const res = await ua.register({ contacts: ['<sip:alice@192.0.2.7>'] });
    events.push(`got ${res.status}`);
    expect(events).to.deep.equal(['stored sip:alice@192.0.2.7', 'got 200']);
    expect(rig.outcomes.at(-1)).to.include({ status: 200, aor: AOR });
  });

  it('AORs are canonical (10.3 step 5): escapes resolved, host case folded, URI params dropped', async () => {
    await start();
    const res = await ua.register({ to: '<sip:%61lice@EXAMPLE.com;user=phone>', contacts: ['<sip:alice@192.0.2.9>'] });
    expect(res.status).to.equal(200);
    expect((await rig.registry.lookup(AOR)).map((b) => b.contact)).to.deep.equal(['sip:alice@192.0.2.9']);
  });
});
