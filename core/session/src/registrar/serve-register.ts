/**
 * The registrar's wiring from the config, in one place for every thread that serves
 * REGISTER: the kernel's main thread (RegistrarLifecycle) and the kernel's UDP worker
 * threads (`sip.workers` > 1) build the same DigestServer, UserDirectory and handler, so
 * all of them answer a phone the same way.
 */
import type { Logger, ResolvedConfig, StorageAdapter } from '@rvoip/contracts';
import { DigestServer } from '@rvoip/sip';
import type { SipStack } from '@rvoip/sip';
import type { RegistrarOverrides } from './options.js';
import type { DefaultRegistryService } from './registry-service.js';
import { attachRegistrar } from './register-handler.js';
import { UserDirectory } from './user-directory.js';

export interface RegistrarWiring {
  readonly config: Pick<ResolvedConfig, 'sip' | 'registrar'>;
  /** Where stored users (besides the config's static ones) are read. */
  readonly storage: Pick<StorageAdapter, 'users'>;
  readonly registry: DefaultRegistryService;
  readonly overrides?: RegistrarOverrides | undefined;
  /** The nonce MAC key; threads that must accept each other's nonces share it. */
  readonly nonceSecret: string | Buffer;
  readonly logger: Logger;
}

/** The host names REGISTER may use: `sip.domain` first (canonical), then the aliases. */
export function registrarDomains(w: Pick<RegistrarWiring, 'config' | 'overrides'>): string[] {
  return [w.config.sip.domain, ...(w.overrides?.aliases ?? [])];
}

/** Installs the REGISTER handler on `stack`; returns the function that removes it. */
export function serveRegister(stack: SipStack, w: RegistrarWiring): () => void {
  const { sip, registrar } = w.config;
  const users = new UserDirectory(registrar.users, sip.domain, w.storage.users);
  const digest = registrar.auth !== 'digest' ? undefined : new DigestServer({
    realm: registrar.realm ?? sip.domain,
    secret: w.nonceSecret,
    lookup: (username) => users.secret(username),
    ...(w.overrides?.checkDigestUri === undefined ? {} : { checkUri: w.overrides.checkDigestUri }),
    algorithms: [...(w.overrides?.digestAlgorithms ?? registrar.digestAlgorithms)],
    logger: w.logger,
  });
  // Without auth, a configured user list still restricts who may register.
  const directory = digest !== undefined || registrar.users.length > 0 ? users : undefined;
  return attachRegistrar(stack, {
    registry: w.registry,
    domains: registrarDomains(w),
    ...(digest === undefined ? {} : { auth: digest }),
    ...(directory === undefined ? {} : { users: directory }),
    logger: w.logger,
  });
}
