/**
 * Registrar knobs. The config file's `registrar` section carries auth, realm and users;
 * the timing limits below have RFC-friendly defaults and can be overridden by binding
 * RegistrarOptionsToken (apps and tests) without widening the config schema.
 */
import type { Logger } from '@rvoip/contracts';
import type { DigestAlgorithm } from '@rvoip/sip';
import { RvoipError } from '@rvoip/contracts';

export const RegistrarOptionsToken = Symbol.for('rvoip.session.RegistrarOptions');

export interface RegistrarLimits {
  /** Granted when neither the Contact's expires param nor an Expires header says otherwise. */
  readonly defaultExpires: number;
  /** Anything shorter (but non-zero) is answered 423 Interval Too Brief with Min-Expires. */
  readonly minExpires: number;
  /** Longer requests are granted this much. */
  readonly maxExpires: number;
}

export interface RegistryServiceOptions extends Partial<RegistrarLimits> {
  /** How often expired bindings are purged (and 'expired' emitted). Default 5 s. */
  readonly purgeIntervalMs?: number;
  /** Clock, so tests can age bindings without waiting. */
  readonly now?: () => number;
  readonly logger?: Logger;
  /**
   * This service is the only writer of the store's bindings (one process and no UDP worker
   * threads, as the kernel sets it when `sip.workers` is 1): each AOR's bindings are then
   * kept in memory, so a REGISTER reads no storage, and updates of one AOR queue their
   * writes back to back (one group commit can carry many) instead of waiting a commit each.
   * Default false.
   */
  readonly exclusiveStore?: boolean;
  /**
   * Bindings one AOR may hold. A REGISTER that would leave more (and more than before)
   * gets 503 Too Many Registered Contacts, as Kamailio's max_contacts: it bounds what one
   * account can make the registrar store, and keeps the 200 OK, which lists every binding,
   * inside a datagram. Default: no limit (the kernel passes `registrar.maxContacts`, 32).
   */
  readonly maxContacts?: number;
}

/** What the kernel module merges over the config file's `registrar` section. */
export interface RegistrarOverrides extends RegistryServiceOptions {
  /** More host names (besides `sip.domain`) that AORs may use; IP literals are always accepted in the Request-URI. */
  readonly aliases?: readonly string[];
  /** HMAC key for digest nonces; share it between nodes. Default: random per process. */
  readonly nonceSecret?: string;
  /** Require the digest uri to equal the Request-URI (RFC 7616 3.4.6). Default true. */
  readonly checkDigestUri?: boolean;
  /** Challenge algorithms, in order. Default SHA-256 then MD5; SIPp 3.6 answers only the first, so it needs ['MD5']. */
  readonly digestAlgorithms?: readonly DigestAlgorithm[];
}

export const DEFAULT_LIMITS: RegistrarLimits = { defaultExpires: 3600, minExpires: 60, maxExpires: 7200 };

export function resolveLimits(opts: Partial<RegistrarLimits>): RegistrarLimits {
  const limits = { ...DEFAULT_LIMITS, ...stripUndefined(opts) };
  const { defaultExpires, minExpires, maxExpires } = limits;
  const ok = [defaultExpires, minExpires, maxExpires].every((n) => Number.isInteger(n) && n >= 0);
  if (!ok || minExpires > maxExpires || defaultExpires < minExpires || defaultExpires > maxExpires) {
    throw new RvoipError(
      'RVOIP_ERR_REGISTRAR_CONFIG',
      `registrar limits must be integers with minExpires <= defaultExpires <= maxExpires, got ${JSON.stringify(limits)}`,
    );
  }
  return limits;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
