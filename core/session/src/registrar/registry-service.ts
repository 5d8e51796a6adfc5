/**
 * The registrar's binding logic (RFC 3261 10.3 steps 6-8, RFC 5626 instance/reg-id,
 * RFC 3327 Path) over the StorageAdapter's BindingStore. Every REGISTER is validated in
 * full before anything is written, runs under a per-AOR lock, and its writes are awaited,
 * so a caller that answers 200 after `apply` resolves never acknowledges a binding the
 * store does not hold. The SIP side (parsing, auth, responses) lives in register-handler.ts.
 */
import type {
  BindingStore, ContactBinding, Disposable, Logger, RegistrationChange, RegistrationRequest, RegistrationResult,
  RegistryService, RemoteEndpoint,
} from '@rvoip/contracts';
import { silentLogger } from '@rvoip/contracts';
import { KeyedLock } from './keyed-lock.js';
import { contactsMatch } from './contact-match.js';
import type { RegistrarLimits, RegistryServiceOptions } from './options.js';
import { resolveLimits } from './options.js';

/** One Contact of a REGISTER, with its requested lifetime already resolved (param > header > default). */
export interface ContactUpdate {
  /** The Contact URI exactly as sent. */
  readonly contact: string;
  readonly expiresSeconds: number;
  readonly q?: number;
  readonly instanceId?: string;
  readonly regId?: number;
}

/** A whole REGISTER: all its contacts are committed together or not at all (10.3 step 7). */
export interface RegisterUpdate {
  readonly aor: string;
  readonly callId: string;
  readonly cseq: number;
  readonly source: RemoteEndpoint;
  readonly userAgent?: string;
  readonly path?: readonly string[];
  /** Empty (and removeAll unset) is a query: the current bindings are returned. */
  readonly contacts: readonly ContactUpdate[];
  /** `Contact: *` with Expires: 0. */
  readonly removeAll?: boolean;
}

type Failure = Extract<RegistrationResult, { ok: false }>;

/** One REGISTER's planned change with its writes queued (see stage and settle). */
interface Staged {
  readonly now: number;
  readonly current: readonly ContactBinding[];
  readonly working: readonly ContactBinding[];
  readonly puts: readonly ContactBinding[];
  readonly writes: Promise<unknown>;
  /** The AOR's failedWrites when planned: a failure since then makes this plan's view stale. */
  readonly epoch: number;
}

export class DefaultRegistryService implements RegistryService {
  readonly limits: RegistrarLimits;
  private readonly listeners = new Set<(change: RegistrationChange) => void>();
  private readonly lock = new KeyedLock();
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly purgeIntervalMs: number;
  private purgeTimer: NodeJS.Timeout | undefined;
  private purging: Promise<void> | undefined;
  /** Each AOR's bindings as last written, kept only when this service is the store's sole writer. */
  private readonly cache: Map<string, readonly ContactBinding[]> | undefined;
  /** Per AOR, how many of its updates failed to write (rare; kept so stale plans are caught). */
  private readonly failedWrites = new Map<string, number>();
  private readonly maxContacts: number;

  constructor(
    private readonly store: BindingStore,
    opts: RegistryServiceOptions = {},
  ) {
    this.limits = resolveLimits(opts);
    this.now = opts.now ?? Date.now;
    this.log = (opts.logger ?? silentLogger).child({ component: 'registrar' });
    this.purgeIntervalMs = opts.purgeIntervalMs ?? 5000;
    this.cache = opts.exclusiveStore === true ? new Map() : undefined;
    this.maxContacts = opts.maxContacts ?? Number.POSITIVE_INFINITY;
  }

  async register(request: RegistrationRequest): Promise<RegistrationResult> {
    const { contact, expiresSeconds, q, instanceId, regId, ...rest } = request;
    const update: ContactUpdate = {
      contact, expiresSeconds,
      ...(q === undefined ? {} : { q }),
      ...(instanceId === undefined ? {} : { instanceId }),
      ...(regId === undefined ? {} : { regId }),
    };
    return this.apply({ ...rest, contacts: [update] });
  }

  /**
   * Validates, then commits every binding change of one REGISTER atomically per AOR. With
   * `exclusiveStore` the AOR's lock is held only while the change is planned against the
   * in-memory bindings and its writes are queued; the caller still resolves only once they
   * are durable, but the next REGISTER of the AOR need not wait for that commit.
   */
  async apply(update: RegisterUpdate): Promise<RegistrationResult> {
    const invalid = this.validate(update);
    if (invalid !== undefined) return invalid;
    if (this.cache === undefined) {
      return this.lock.run(update.aor, async () => {
        const staged = await this.stage(update);
        return 'ok' in staged ? staged : this.settle(update, staged);
      });
    }
    // The common case of a refresh: the AOR is in memory and nobody holds its lock, so the
    // whole read-check-write runs synchronously, which is what the lock would guarantee.
    const now = this.now();
    const cached = this.lock.busy(update.aor) ? undefined : this.cachedLive(update.aor, now);
    const staged = cached !== undefined ? this.stageOn(update, cached, now) : await this.lock.run(update.aor, () => this.stage(update));
    return 'ok' in staged ? staged : this.settle(update, staged);
  }

  async unregister(aor: string, contact?: string): Promise<void> {
    await this.lock.run(aor, async () => {
      const current = await this.store.get(aor, new Date(this.now()));
      const gone = contact === undefined ? current : current.filter((b) => contactsMatch(b, { contact }));
      this.cache?.delete(aor);
      for (const b of gone) await this.store.remove(aor, b.contact);
      for (const b of gone) this.emit({ aor, kind: 'removed', binding: b });
    });
  }

  async lookup(aor: string): Promise<readonly ContactBinding[]> {
    return byQ(await this.store.get(aor, new Date(this.now())));
  }

  async list(): Promise<readonly ContactBinding[]> {
    return this.store.all(new Date(this.now()));
  }

  onChange(listener: (change: RegistrationChange) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  /** Starts the expiry timer (idempotent). */
  start(): void {
    if (this.purgeTimer !== undefined) return;
    this.purgeTimer = setInterval(() => void this.purgeExpired(), this.purgeIntervalMs);
    this.purgeTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.purgeTimer);
    this.purgeTimer = undefined;
    await this.purging;
  }

  /** Deletes expired bindings and emits 'expired' for each; overlapping calls share one run. */
  purgeExpired(): Promise<void> {
    this.purging ??= (async () => {
      try {
        const now = this.now();
        const expired = await this.store.purgeExpired(new Date(now));
        for (const b of expired) {
          this.forgetExpired(b.aor, now);
          this.emit({ aor: b.aor, kind: 'expired', binding: b });
        }
      } catch (err) {
        this.log.error({ err }, 'purging expired bindings failed');
      } finally {
        this.purging = undefined;
      }
    })();
    return this.purging;
  }

  private validate(update: RegisterUpdate): Failure | undefined {
    if (update.removeAll === true && update.contacts.length > 0) {
      return { ok: false, code: 400, reason: 'Contact: * must be the only Contact' };
    }
    if (!Number.isInteger(update.cseq) || update.cseq < 0) return { ok: false, code: 400, reason: 'invalid CSeq' };
    for (const c of update.contacts) {
      if (!Number.isInteger(c.expiresSeconds) || c.expiresSeconds < 0) {
        return { ok: false, code: 400, reason: `invalid expiry for ${c.contact}` };
      }
      if (c.q !== undefined && !(c.q >= 0 && c.q <= 1)) return { ok: false, code: 400, reason: `q out of range for ${c.contact}` };
      if (c.expiresSeconds !== 0 && c.expiresSeconds < this.limits.minExpires) {
        return { ok: false, code: 423, reason: 'Interval Too Brief', minExpires: this.limits.minExpires };
      }
    }
    return undefined;
  }

  /** 10.3 step 7's read-check-write, up to queuing the writes; the caller holds the AOR's lock. */
  private async stage(update: RegisterUpdate): Promise<Staged | Failure> {
    const now = this.now();
    return this.stageOn(update, await this.current(update.aor, now), now);
  }

  /** Plans against `current` and queues the writes, synchronously: nothing can interleave. */
  private stageOn(update: RegisterUpdate, current: readonly ContactBinding[], now: number): Staged | Failure {
    const planned = update.removeAll === true ? this.planRemoveAll(update, current) : this.plan(update, current, now);
    if ('ok' in planned) return planned;
    const working = planned;
    if (working.length > this.maxContacts && working.length > current.length) {
      return { ok: false, code: 503, reason: 'Too Many Registered Contacts' };
    }
    const puts: ContactBinding[] = [];
    for (const b of working) if (!current.includes(b)) puts.push(b);
    // A put replaces the same aor+contact itself; only bindings that vanish need a remove.
    const writes: Promise<unknown>[] = [];
    for (const b of current) {
      if (!working.includes(b) && !puts.some((p) => p.contact === b.contact)) writes.push(this.store.remove(update.aor, b.contact));
    }
    for (const b of puts) writes.push(this.store.put(b));
    // Queued together: with group commit they share one transaction instead of one each.
    const all = writes.length === 1 ? writes[0]! : Promise.all(writes);
    // Observed in settle(); this keeps a failure from surfacing as unhandled before that.
    all.catch(() => undefined);
    this.cache?.set(update.aor, working);
    return { now, current, working, puts, writes: all, epoch: this.failedWrites.get(update.aor) ?? 0 };
  }

  private async settle(update: RegisterUpdate, staged: Staged): Promise<RegistrationResult> {
    const { now, current, working, puts } = staged;
    try {
      await staged.writes;
    } catch (err) {
      this.log.error({ err, aor: update.aor }, 'binding update failed; rolling back');
      // Counted, not set from this plan's epoch: every failure must outdate the plans in flight.
      this.failedWrites.set(update.aor, (this.failedWrites.get(update.aor) ?? 0) + 1);
      this.cache?.delete(update.aor);
      const undo = (): Promise<void> => this.rollback(update.aor, current, puts);
      await (this.cache === undefined ? undo() : this.lock.run(update.aor, undo));
      return { ok: false, code: 500, reason: 'binding store failed' };
    }
    // Planned on top of an update whose writes then failed: its view was wrong, so it fails too.
    if ((this.failedWrites.get(update.aor) ?? 0) !== staged.epoch) return { ok: false, code: 500, reason: 'an earlier update of this AOR failed' };
    for (const b of puts) {
      const before = current.some((c) => contactsMatch(c, b));
      this.emit({ aor: update.aor, kind: before ? 'refreshed' : 'added', binding: b });
    }
    for (const b of current) {
      if (!working.includes(b) && !puts.some((p) => contactsMatch(b, p))) this.emit({ aor: update.aor, kind: 'removed', binding: b });
    }
    const first = puts[0];
    const expiresSeconds = first === undefined ? 0 : Math.round((first.expiresAt.getTime() - now) / 1000);
    return { ok: true, bindings: byQ(working), expiresSeconds };
  }

  /** The AOR's live bindings: from memory when this service owns the store, else read from it. */
  private async current(aor: string, now: number): Promise<readonly ContactBinding[]> {
    const cached = this.cachedLive(aor, now);
    if (cached !== undefined) return cached;
    const stored = await this.store.get(aor, new Date(now));
    this.cache?.set(aor, stored);
    return stored;
  }

  /** The cached bindings still alive at `now` (the cached array itself when none expired). */
  private cachedLive(aor: string, now: number): readonly ContactBinding[] | undefined {
    const cached = this.cache?.get(aor);
    if (cached === undefined) return undefined;
    for (const b of cached) if (b.expiresAt.getTime() <= now) return cached.filter((c) => c.expiresAt.getTime() > now);
    return cached;
  }

  /** 10.3 step 6: `*` removes every binding unless one was written later by the same Call-ID. */
  private planRemoveAll(update: RegisterUpdate, current: readonly ContactBinding[]): ContactBinding[] | Failure {
    const newer = current.find((b) => b.callId === update.callId && update.cseq <= b.cseq);
    return newer === undefined ? [] : outOfOrder(newer);
  }

  /** 10.3 step 7 for each contact, in order, on a working copy of the AOR's bindings. */
  private plan(update: RegisterUpdate, current: readonly ContactBinding[], now: number): ContactBinding[] | Failure {
    let working: readonly ContactBinding[] = current;
    for (const c of update.contacts) {
      const next: ContactBinding[] = [];
      for (const b of working) {
        if (!contactsMatch(b, c)) {
          next.push(b);
          continue;
        }
        if (b.callId === update.callId && update.cseq <= b.cseq && current.includes(b)) return outOfOrder(b);
      }
      if (c.expiresSeconds !== 0) {
        const granted = Math.min(c.expiresSeconds, this.limits.maxExpires);
        next.push(this.binding(update, c, new Date(now + granted * 1000)));
      }
      working = next;
    }
    return working === current ? [...current] : (working as ContactBinding[]);
  }

  private binding(update: RegisterUpdate, c: ContactUpdate, expiresAt: Date): ContactBinding {
    // Assigned one by one: a spread of `cond ? {} : { q }` per optional field costs an object each.
    const b: { -readonly [K in keyof ContactBinding]: ContactBinding[K] } = {
      aor: update.aor, contact: c.contact, expiresAt, callId: update.callId, cseq: update.cseq, source: update.source,
    };
    if (c.q !== undefined) b.q = c.q;
    if (update.userAgent !== undefined) b.userAgent = update.userAgent;
    if (c.instanceId !== undefined) b.instanceId = c.instanceId;
    if (c.regId !== undefined) b.regId = c.regId;
    if (update.path !== undefined && update.path.length > 0) b.path = update.path;
    return b;
  }

  private forgetExpired(aor: string, now: number): void {
    const cached = this.cache?.get(aor);
    if (cached === undefined) return;
    const live = cached.filter((c) => c.expiresAt.getTime() > now);
    if (live.length === 0) this.cache!.delete(aor);
    else this.cache!.set(aor, live);
  }

  /** 10.3 step 7: all or nothing. Best effort: the store just failed, it may fail again. */
  private async rollback(aor: string, before: readonly ContactBinding[], puts: readonly ContactBinding[]): Promise<void> {
    try {
      for (const b of puts) if (!before.some((o) => o.contact === b.contact)) await this.store.remove(aor, b.contact);
      for (const b of before) await this.store.put(b);
    } catch (err) {
      this.log.error({ err, aor }, 'rollback of a failed binding update failed too');
    }
  }

  /**
   * Tells this service's listeners about a change another registry over the same storage
   * made (a kernel UDP worker thread), so logs and metrics see every registration.
   */
  publish(change: RegistrationChange): void {
    this.emit(change);
  }

  private emit(change: RegistrationChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.log.warn({ err, aor: change.aor, kind: change.kind }, 'registration listener threw');
      }
    }
  }
}

function outOfOrder(b: ContactBinding): Failure {
  return { ok: false, code: 500, reason: `CSeq not above ${b.cseq} for Call-ID ${b.callId}` };
}

function byQ(bindings: readonly ContactBinding[]): ContactBinding[] {
  return [...bindings].sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
}
