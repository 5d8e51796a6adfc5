import { expect } from 'chai';
import type { BindingStore, ContactBinding, RegistrationChange, RemoteEndpoint } from '@rvoip/contracts';
import { MemoryStorageAdapter } from '@rvoip/kernel';
import { DefaultRegistryService, KeyedLock } from '@rvoip/session';
import type { ContactUpdate, RegisterUpdate } from '@rvoip/session';

const AOR = 'sip:alice@example.com';
const source: RemoteEndpoint = { transport: 'udp', address: '192.0.2.1', port: 5060 };

function update(contacts: ContactUpdate[], callId = 'c1', cseq = 1, extra: Partial<RegisterUpdate> = {}): RegisterUpdate {
  return { aor: AOR, callId, cseq, source, contacts, ...extra };
}

for (const exclusiveStore of [false, true]) describe(`session/registrar DefaultRegistryService (exclusiveStore: ${exclusiveStore})`, () => {
  let clock: number;
  let storage: MemoryStorageAdapter;
  let registry: DefaultRegistryService;
  let changes: RegistrationChange[];

  beforeEach(() => {
    clock = Date.UTC(2026, 0, 1);
    storage = new MemoryStorageAdapter(() => clock);
    registry = new DefaultRegistryService(storage.bindings, { now: () => clock, exclusiveStore });
    changes = [];
    registry.onChange((c) => changes.push(c));
  });

  it('register() stores a binding with its expiry, q, instance and source; lookup sorts by q descending', async () => {
    const a = await registry.register({ aor: AOR, contact: 'sip:a@192.0.2.1', expiresSeconds: 600, callId: 'c1', cseq: 1, q: 0.2, source });
    expect(a.ok).to.equal(true);
    await registry.register({ aor: AOR, contact: 'sip:b@192.0.2.2', expiresSeconds: 600, callId: 'c2', cseq: 1, q: 0.9, instanceId: '<urn:uuid:1>', source });
    await registry.register({ aor: AOR, contact: 'sip:c@192.0.2.3', expiresSeconds: 600, callId: 'c3', cseq: 1, source });
    const found = await registry.lookup(AOR);
    expect(found.map((b) => b.contact)).to.deep.equal(['sip:c@192.0.2.3', 'sip:b@192.0.2.2', 'sip:a@192.0.2.1']);
    expect(found[1]!.instanceId).to.equal('<urn:uuid:1>');
    expect(found[2]!.expiresAt.getTime()).to.equal(clock + 600_000);
    expect(found[2]!.source).to.deep.equal(source);
    expect(changes.map((c) => c.kind)).to.deep.equal(['added', 'added', 'added']);
    expect(await registry.list()).to.have.length(3);
  });

  it('same Call-ID with a lower or equal CSeq fails with 500 and leaves the binding alone (10.3 step 7)', async () => {
    await registry.apply(update([{ contact: 'sip:a@h', expiresSeconds: 600 }], 'c1', 5));
    for (const cseq of [5, 4]) {
      const r = await registry.apply(update([{ contact: 'sip:a@h', expiresSeconds: 0 }], 'c1', cseq));
      expect(r).to.include({ ok: false, code: 500 });
    }
    expect(await registry.lookup(AOR)).to.have.length(1);
    const higher = await registry.apply(update([{ contact: 'sip:a@h', expiresSeconds: 900 }], 'c1', 6));
    expect(higher.ok).to.equal(true);
    expect(changes.map((c) => c.kind)).to.deep.equal(['added', 'refreshed']);
  });

  it('a different Call-ID updates the binding whatever its CSeq', async () => {
    await registry.apply(update([{ contact: 'sip:a@h', expiresSeconds: 600 }], 'c1', 50));
    const r = await registry.apply(update([{ contact: 'sip:a@h', expiresSeconds: 1200 }], 'other', 1));
    expect(r.ok).to.equal(true);
    const [b] = await registry.lookup(AOR);
    expect(b).to.include({ callId: 'other', cseq: 1 });
  });

  it('compares contacts by URI equivalence (19.1.4), not by text', async () => {
    await registry.apply(update([{ contact: 'sip:a@HOST.example;transport=UDP', expiresSeconds: 600 }], 'c1', 1));
    await registry.apply(update([{ contact: 'sip:a@host.example;transport=udp', expiresSeconds: 0 }], 'c1', 2));
    expect(await registry.lookup(AOR)).to.have.length(0);
    expect(changes.map((c) => c.kind)).to.deep.equal(['added', 'removed']);
  });

  it('423 with minExpires below the minimum, but expiry 0 is always allowed; long requests are capped', async () => {
    const brief = await registry.apply(update([{ contact: 'sip:a@h', expiresSeconds: 59 }]));
    expect(brief).to.deep.equal({ ok: false, code: 423, reason: 'Interval Too Brief', minExpires: 60 });
    const zero = await registry.apply(update([{ contact: 'sip:a@h', expiresSeconds: 0 }]));
    expect(zero.ok).to.equal(true);
    const long = await registry.apply(update([{ contact: 'sip:a@h', expiresSeconds: 999_999 }], 'c1', 2));
    expect(long).to.include({ ok: true, expiresSeconds: 7200 });
  });

  it('limits are configurable and checked', () => {
    const r = new DefaultRegistryService(storage.bindings, { minExpires: 10, defaultExpires: 20, maxExpires: 30 });
    expect(r.limits).to.deep.equal({ minExpires: 10, defaultExpires: 20, maxExpires: 30 });
    expect(() => new DefaultRegistryService(storage.bindings, { minExpires: 100, maxExpires: 50 })).to.throw(/minExpires <= defaultExpires <= maxExpires/);
  });

  it('removeAll drops every binding of the AOR, unless one was written by the same Call-ID with a CSeq not below', async () => {
    await registry.apply(update([{ contact: 'sip:a@h', expiresSeconds: 600 }], 'c1', 1));
    await registry.apply(update([{ contact: 'sip:b@h', expiresSeconds: 600 }], 'c2', 9));
    const stale = await registry.apply(update([], 'c2', 9, { removeAll: true }));
    expect(stale).to.include({ ok: false, code: 500 });
    expect(await registry.lookup(AOR)).to.have.length(2);
    const ok = await registry.apply(update([], 'c2', 10, { removeAll: true }));
    expect(ok).to.include({ ok: true });
    expect(await registry.lookup(AOR)).to.have.length(0);
    expect(changes.filter((c) => c.kind === 'removed')).to.have.length(2);
    const mixed = await registry.apply(update([{ contact: 'sip:a@h', expiresSeconds: 600 }], 'c3', 1, { removeAll: true }));
    expect(mixed).to.include({ ok: false, code: 400 });
  });

  it('is all-or-nothing: one out-of-order contact aborts the other changes of the request', async () => {
    await registry.apply(update([{ contact: 'sip:a@h', expiresSeconds: 600 }], 'c1', 3));
    const r = await registry.apply(update([{ contact: 'sip:new@h', expiresSeconds: 600 }, { contact: 'sip:a@h', expiresSeconds: 600 }], 'c1', 2));
    expect(r).to.include({ ok: false, code: 500 });
    expect((await registry.lookup(AOR)).map((b) => b.contact)).to.deep.equal(['sip:a@h']);
  });

  it('rolls back and answers 500 when the store fails midway', async () => {
    await registry.apply(update([{ contact: 'sip:a@h', expiresSeconds: 600 }], 'c1', 1));
    const inner = storage.bindings;
    let puts = 0;
    const flaky: BindingStore = {
      put: async (b) => {
        if (++puts === 2) throw new Error('disk full');
        return inner.put(b);
      },
      remove: (a, c) => inner.remove(a, c),
      get: (a, n) => inner.get(a, n),
      all: (n) => inner.all(n),
      purgeExpired: (n) => inner.purgeExpired(n),
    };
    const r2 = new DefaultRegistryService(flaky, { now: () => clock, exclusiveStore });
    const r = await r2.apply(update([{ contact: 'sip:b@h', expiresSeconds: 600 }, { contact: 'sip:c@h', expiresSeconds: 600 }, { contact: 'sip:a@h', expiresSeconds: 0 }], 'c1', 2));
    expect(r).to.deep.equal({ ok: false, code: 500, reason: 'binding store failed' });
    const left = await registry.lookup(AOR);
    expect(left.map((b) => b.contact)).to.deep.equal(['sip:a@h']);
    expect(left[0]!.cseq).to.equal(1);
  });

  it('an RFC 5626 instance + reg-id replaces the old contact of that flow', async () => {
    const flow = { instanceId: '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>', regId: 1 };
    await registry.apply(update([{ contact: 'sip:a@192.0.2.1:5060', expiresSeconds: 600, ...flow }], 'c1', 1));
    await registry.apply(update([{ contact: 'sip:a@192.0.2.1:5070', expiresSeconds: 600, regId: 2, instanceId: flow.instanceId }], 'c1', 2));
    await registry.apply(update([{ contact: 'sip:a@192.0.2.99:6000', expiresSeconds: 600, ...flow }], 'c9', 1));
    const found = await registry.lookup(AOR);
    expect(found.map((b) => `${b.contact} ${b.regId}`).sort()).to.deep.equal(['sip:a@192.0.2.1:5070 2', 'sip:a@192.0.2.99:6000 1']);
    expect(changes.map((c) => c.kind)).to.deep.equal(['added', 'added', 'refreshed']);
  });

  it('keeps the Path of the REGISTER with each binding', async () => {
    await registry.apply(update([{ contact: 'sip:a@h', expiresSeconds: 600 }], 'c1', 1, { path: ['<sip:edge1.example.com;lr>', '<sip:edge2.example.com;lr>'] }));
    const [b] = await registry.lookup(AOR);
    expect(b!.path).to.deep.equal(['<sip:edge1.example.com;lr>', '<sip:edge2.example.com;lr>']);
  });

  it('purges expired bindings with an "expired" change each; unregister removes with "removed"', async () => {
    await registry.apply(update([{ contact: 'sip:a@h', expiresSeconds: 60 }], 'c1', 1));
    await registry.apply(update([{ contact: 'sip:b@h', expiresSeconds: 3600 }], 'c2', 1));
    clock += 61_000;
    expect((await registry.lookup(AOR)).map((b) => b.contact)).to.deep.equal(['sip:b@h']);
    await registry.purgeExpired();
    const expired = changes.filter((c) => c.kind === 'expired');
    expect(expired.map((c) => c.binding.contact)).to.deep.equal(['sip:a@h']);
    await registry.unregister(AOR, 'sip:b@h');
    expect(changes.at(-1)).to.include({ kind: 'removed', aor: AOR });
    expect(await registry.lookup(AOR)).to.have.length(0);
  });

  it('the purge timer runs on its own and stop() waits for it', async () => {
    const fast = new DefaultRegistryService(storage.bindings, { now: () => clock, purgeIntervalMs: 5 });
    const seen = new Promise<RegistrationChange>((resolve) => fast.onChange((c) => c.kind === 'expired' && resolve(c)));
    await fast.apply(update([{ contact: 'sip:x@h', expiresSeconds: 60 }], 'cx', 1));
    clock += 120_000;
    fast.start();
    expect((await seen).binding.contact).to.equal('sip:x@h');
    await fast.stop();
  });

  it('a throwing listener neither breaks the update nor the other listeners; dispose stops delivery', async () => {
    const got: string[] = [];
    registry.onChange(() => {
      throw new Error('listener bug');
    });
    const sub = registry.onChange((c) => got.push(c.kind));
    expect((await registry.apply(update([{ contact: 'sip:a@h', expiresSeconds: 600 }]))).ok).to.equal(true);
    sub.dispose();
    await registry.apply(update([{ contact: 'sip:a@h', expiresSeconds: 600 }], 'c1', 2));
    expect(got).to.deep.equal(['added']);
  });

  it('serializes concurrent REGISTERs of one AOR: every CSeq is judged against the committed state', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => registry.apply(update([{ contact: `sip:a${i % 4}@h`, expiresSeconds: 600 }], 'same', i + 1))),
    );
    expect(results.every((r) => r.ok)).to.equal(true);
    const found: readonly ContactBinding[] = await registry.lookup(AOR);
    expect(found.map((b) => b.cseq).sort((a, b) => a - b)).to.deep.equal([17, 18, 19, 20]);
    const lock = new KeyedLock();
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => lock.run('k', async () => {
      await new Promise((r) => setTimeout(r, 4 - n));
      order.push(n);
    })));
    expect(order).to.deep.equal([1, 2, 3]);
    expect(lock.size).to.equal(0);
  });

  it('refuses a REGISTER that would leave the AOR above maxContacts with 503; refreshes and removals still pass', async () => {
    const r = new DefaultRegistryService(storage.bindings, { now: () => clock, exclusiveStore, maxContacts: 2 });
    expect((await r.apply(update([{ contact: 'sip:a@h', expiresSeconds: 600 }, { contact: 'sip:b@h', expiresSeconds: 600 }], 'm1', 1))).ok).to.equal(true);
    const over = await r.apply(update([{ contact: 'sip:c@h', expiresSeconds: 600 }], 'm2', 1));
    expect(over).to.deep.equal({ ok: false, code: 503, reason: 'Too Many Registered Contacts' });
    expect((await r.lookup(AOR)).map((b) => b.contact).sort()).to.deep.equal(['sip:a@h', 'sip:b@h']);
    expect((await r.apply(update([{ contact: 'sip:a@h', expiresSeconds: 900 }], 'm1', 2))).ok).to.equal(true);
    expect((await r.apply(update([{ contact: 'sip:b@h', expiresSeconds: 0 }, { contact: 'sip:c@h', expiresSeconds: 600 }], 'm3', 1))).ok).to.equal(true);
    expect((await r.lookup(AOR)).map((b) => b.contact).sort()).to.deep.equal(['sip:a@h', 'sip:c@h']);
  });

  /** A store whose puts wait until released; `failFirst` makes the first released put reject. */
  function gatedStore(failFirst = false): { store: BindingStore; waiting: () => number; release: () => void } {
    const inner = storage.bindings;
    let pending: Array<() => void> = [];
    let failed = !failFirst;
    return {
      store: {
        put: (b) => new Promise<void>((resolve, reject) => {
          pending.push(() => {
            if (!failed) {
              failed = true;
              reject(new Error('disk full'));
            } else inner.put(b).then(resolve, reject);
          });
        }),
        remove: (a, c) => inner.remove(a, c),
        get: (a, n) => inner.get(a, n),
        all: (n) => inner.all(n),
        purgeExpired: (n) => inner.purgeExpired(n),
      },
      waiting: () => pending.length,
      release: () => {
        const now = pending;
        pending = [];
        for (const go of now) go();
      },
    };
  }

  it(exclusiveStore
    ? 'queues the writes of back-to-back REGISTERs of one AOR without waiting for each commit'
    : 'holds the AOR lock until the write is durable: one REGISTER of an AOR writes at a time', async () => {
    const gate = gatedStore();
    const r = new DefaultRegistryService(gate.store, { now: () => clock, exclusiveStore });
    const all = Promise.all(Array.from({ length: 5 }, (_, i) => r.apply(update([{ contact: 'sip:a@h', expiresSeconds: 600 }], `call-${i}`, 1))));
    await new Promise((done) => setImmediate(done));
    expect(gate.waiting()).to.equal(exclusiveStore ? 5 : 1);
    while (gate.waiting() > 0) {
      gate.release();
      await new Promise((done) => setImmediate(done));
    }
    const results = await all;
    expect(results.map((x) => x.ok)).to.deep.equal([true, true, true, true, true]);
    const [b] = await r.lookup(AOR);
    expect(b!.callId).to.equal('call-4');
  });

  it('a failed write fails it and every update planned on top of it; the next one starts from the store', async () => {
    await registry.apply(update([{ contact: 'sip:a@h', expiresSeconds: 600 }], 'c0', 1));
    const gate = gatedStore(true);
    const r = new DefaultRegistryService(gate.store, { now: () => clock, exclusiveStore });
    const first = r.apply(update([{ contact: 'sip:b@h', expiresSeconds: 600 }], 'c1', 1));
    const second = r.apply(update([{ contact: 'sip:c@h', expiresSeconds: 600 }], 'c2', 1));
    while ((await Promise.race([Promise.all([first, second]), new Promise((done) => setImmediate(() => done(undefined)))])) === undefined) gate.release();
    expect(await first).to.deep.equal({ ok: false, code: 500, reason: 'binding store failed' });
    const secondResult = await second;
    if (exclusiveStore) expect(secondResult).to.deep.equal({ ok: false, code: 500, reason: 'an earlier update of this AOR failed' });
    else expect(secondResult.ok).to.equal(true);
    const third = r.apply(update([{ contact: 'sip:d@h', expiresSeconds: 600 }], 'c3', 1));
    while ((await Promise.race([third, new Promise((done) => setImmediate(() => done(undefined)))])) === undefined) gate.release();
    const ok = await third;
    expect(ok.ok).to.equal(true);
    // Never sip:b (its write failed). sip:c is stored in both modes; with exclusiveStore its
    // update was answered 500 all the same (a write never acknowledged; the UA retries).
    expect((await r.lookup(AOR)).map((x) => x.contact).sort()).to.deep.equal(['sip:a@h', 'sip:c@h', 'sip:d@h']);
  });
});
