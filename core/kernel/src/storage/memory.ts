import type {
  BindingStore, CdrQuery, CdrRecord, CdrStore, ContactBinding, JsonValue, KeyValueStore, StorageAdapter, UserRecord, UserStore,
} from '@rvoip/contracts';

/** Clock injection keeps TTL and expiry behaviour testable without waiting. */
export type Clock = () => number;

class MemoryUsers implements UserStore {
  private readonly users = new Map<string, UserRecord>();
  async get(username: string, domain: string): Promise<UserRecord | undefined> {
    return this.users.get(`${username}@${domain}`);
  }
  async put(user: UserRecord): Promise<void> {
    this.users.set(`${user.username}@${user.domain}`, user);
  }
  async delete(username: string, domain: string): Promise<boolean> {
    return this.users.delete(`${username}@${domain}`);
  }
  async list(domain?: string): Promise<readonly UserRecord[]> {
    return [...this.users.values()].filter((u) => domain === undefined || u.domain === domain);
  }
}

class MemoryBindings implements BindingStore {
  private readonly byAor = new Map<string, ContactBinding[]>();
  constructor(private readonly clock: Clock) {}
  async put(binding: ContactBinding): Promise<void> {
    const list = (this.byAor.get(binding.aor) ?? []).filter((b) => b.contact !== binding.contact);
    list.push(binding);
    this.byAor.set(binding.aor, list);
  }
  async remove(aor: string, contact?: string): Promise<number> {
    const list = this.byAor.get(aor) ?? [];
    const kept = contact === undefined ? [] : list.filter((b) => b.contact !== contact);
    this.byAor.set(aor, kept);
    return list.length - kept.length;
  }
  async get(aor: string, now = new Date(this.clock())): Promise<readonly ContactBinding[]> {
    return (this.byAor.get(aor) ?? []).filter((b) => b.expiresAt > now).sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
  }
  async all(now = new Date(this.clock())): Promise<readonly ContactBinding[]> {
    return [...this.byAor.values()].flat().filter((b) => b.expiresAt > now);
  }
  async purgeExpired(now = new Date(this.clock())): Promise<readonly ContactBinding[]> {
    const expired: ContactBinding[] = [];
    for (const [aor, list] of this.byAor) {
      expired.push(...list.filter((b) => b.expiresAt <= now));
      this.byAor.set(aor, list.filter((b) => b.expiresAt > now));
    }
    return expired;
  }
}

/**
 * The kernel appends every call's CDR here; without a bound a long-running node on memory
 * storage would grow without end, so only the most recent ones are kept.
 */
export const MEMORY_CDR_LIMIT = 10_000;

class MemoryCdrs implements CdrStore {
  private readonly cdrs: CdrRecord[] = [];
  async append(cdr: CdrRecord): Promise<void> {
    this.cdrs.push(cdr);
    if (this.cdrs.length > MEMORY_CDR_LIMIT) this.cdrs.shift();
  }
  async get(id: string): Promise<CdrRecord | undefined> {
    return this.cdrs.find((c) => c.id === id);
  }
  async query(q: CdrQuery = {}): Promise<readonly CdrRecord[]> {
    const hits = this.cdrs
      .filter((c) => (!q.since || c.startedAt >= q.since) && (!q.until || c.startedAt < q.until))
      .filter((c) => !q.party || c.from === q.party || c.to === q.party)
      .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
    return q.limit === undefined ? hits : hits.slice(0, q.limit);
  }
}

class MemoryKv implements KeyValueStore {
  private readonly entries = new Map<string, { value: JsonValue; expiresAt?: number }>();
  constructor(private readonly clock: Clock) {}
  private live(key: string): { value: JsonValue; expiresAt?: number } | undefined {
    const e = this.entries.get(key);
    if (e && e.expiresAt !== undefined && e.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }
  private expiry(ttlMs?: number): number | undefined {
    return ttlMs === undefined ? undefined : this.clock() + ttlMs;
  }
  async get(key: string): Promise<JsonValue | undefined> {
    return structuredClone(this.live(key)?.value);
  }
  async set(key: string, value: JsonValue, options?: { readonly ttlMs?: number }): Promise<void> {
    this.entries.set(key, { value: structuredClone(value), expiresAt: this.expiry(options?.ttlMs) });
  }
  async setIfAbsent(key: string, value: JsonValue, options?: { readonly ttlMs?: number }): Promise<boolean> {
    if (this.live(key)) return false;
    await this.set(key, value, options);
    return true;
  }
  async delete(key: string): Promise<boolean> {
    return this.live(key) !== undefined && this.entries.delete(key);
  }
  async increment(key: string, by = 1, options?: { readonly ttlMs?: number }): Promise<number> {
    const current = this.live(key);
    const next = (typeof current?.value === 'number' ? current.value : 0) + by;
    // An existing counter keeps its expiry (rate-limit windows); a new one gets ttlMs.
    this.entries.set(key, { value: next, expiresAt: current ? current.expiresAt : this.expiry(options?.ttlMs) });
    return next;
  }
  async keys(prefix: string): Promise<readonly string[]> {
    return [...this.entries.keys()].filter((k) => k.startsWith(prefix) && this.live(k) !== undefined).sort();
  }
}

/**
 * `storage.adapter: memory`: a complete StorageAdapter held in process memory, for tests,
 * demos and single-node setups that need no persistence.
 */
export class MemoryStorageAdapter implements StorageAdapter {
  readonly name = 'memory';
  readonly users: UserStore;
  readonly bindings: BindingStore;
  readonly cdrs: CdrStore;
  readonly kv: KeyValueStore;

  constructor(clock: Clock = Date.now) {
    this.users = new MemoryUsers();
    this.bindings = new MemoryBindings(clock);
    this.cdrs = new MemoryCdrs();
    this.kv = new MemoryKv(clock);
  }

  async open(): Promise<void> {}
  async close(): Promise<void> {}
}
