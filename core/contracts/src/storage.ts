import type { CallDirection, EndReason, SessionId } from './session.js';
import type { ContactBinding } from './registry.js';
import type { MediaStats } from './media-stats.js';
import type { JsonValue } from './json.js';

/**
 * Persistence for everything that outlives one process or spans several nodes.
 * SQLite is the embedded default; PostgreSQL and Redis adapters share state between nodes.
 */
export const StorageAdapter = Symbol.for('rvoip.storage.StorageAdapter');

export interface UserRecord {
  readonly username: string;
  readonly domain: string;
  /** Either a clear password or the digest HA1 = MD5(username:realm:password). */
  readonly password?: string;
  readonly ha1?: string;
  readonly displayName?: string;
  readonly enabled: boolean;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface UserStore {
  get(username: string, domain: string): Promise<UserRecord | undefined>;
  put(user: UserRecord): Promise<void>;
  delete(username: string, domain: string): Promise<boolean>;
  list(domain?: string): Promise<readonly UserRecord[]>;
}

export interface BindingStore {
  /** Replaces the binding with the same aor+contact, or adds it. */
  put(binding: ContactBinding): Promise<void>;
  remove(aor: string, contact?: string): Promise<number>;
  /** Unexpired bindings of one AOR. */
  get(aor: string, now?: Date): Promise<readonly ContactBinding[]>;
  all(now?: Date): Promise<readonly ContactBinding[]>;
  /** Deletes expired bindings and returns them so the registrar can emit 'expired'. */
  purgeExpired(now?: Date): Promise<readonly ContactBinding[]>;
}

/** Call detail record: one per session, written when the call ends. */
export interface CdrRecord {
  readonly id: string;
  readonly sessionId: SessionId;
  readonly callId: string;
  readonly direction: CallDirection;
  readonly from: string;
  readonly to: string;
  readonly startedAt: Date;
  readonly answeredAt?: Date;
  readonly endedAt: Date;
  /** endedAt - startedAt. */
  readonly durationMs: number;
  /** endedAt - answeredAt, 0 when never answered: what billing charges. */
  readonly billableMs: number;
  readonly endReason: EndReason;
  /** Final SIP status of the INVITE transaction, when there was one. */
  readonly sipCode?: number;
  readonly codec?: string;
  readonly media?: MediaStats;
  readonly tags?: Readonly<Record<string, JsonValue>>;
}

export interface CdrQuery {
  readonly since?: Date;
  readonly until?: Date;
  readonly party?: string;
  readonly limit?: number;
}

export interface CdrStore {
  append(cdr: CdrRecord): Promise<void>;
  get(id: string): Promise<CdrRecord | undefined>;
  /** Newest first. */
  query(query?: CdrQuery): Promise<readonly CdrRecord[]>;
}

/**
 * Small shared state with expiry: presence (`presence:<aor>`), park slots (`park:<slot>`),
 * nonces, rate limits. Keys are namespaced by convention `<area>:<id>`.
 */
export interface KeyValueStore {
  get(key: string): Promise<JsonValue | undefined>;
  set(key: string, value: JsonValue, options?: { readonly ttlMs?: number }): Promise<void>;
  /** Sets only when absent; the atomic primitive park slots and locks are built on. */
  setIfAbsent(key: string, value: JsonValue, options?: { readonly ttlMs?: number }): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  increment(key: string, by?: number, options?: { readonly ttlMs?: number }): Promise<number>;
  keys(prefix: string): Promise<readonly string[]>;
}

export interface StorageAdapter {
  /** Adapter name for logs and `plugins list`, e.g. 'sqlite'. */
  readonly name: string;
  readonly users: UserStore;
  readonly bindings: BindingStore;
  readonly cdrs: CdrStore;
  readonly kv: KeyValueStore;
  /** Connect / migrate; called by the kernel's storage lifecycle before any service starts. */
  open(): Promise<void>;
  close(): Promise<void>;
}
