/**
 * The registrar for the kernel: binds RegistryService (over the bound StorageAdapter) and
 * a Lifecycle 'registrar' that, once 'sip' and 'storage' have started, installs the
 * REGISTER handler on the running stack and starts the expiry timer. Config: `sip.domain`,
 * `registrar.auth|realm|users`; timing limits through RegistrarOptionsToken.
 */
import { randomBytes } from 'node:crypto';
import { ContainerModule, inject, injectable, optional } from 'inversify';
import { Lifecycle, Logger, RegistryService, ResolvedConfig, StorageAdapter, silentLogger } from '@rvoip/contracts';
import type {
  Logger as LoggerType, RegistryService as RegistryServiceType, ResolvedConfig as ResolvedConfigType,
  StorageAdapter as StorageAdapterType,
} from '@rvoip/contracts';
import { DigestServer, SipStackHost } from '@rvoip/sip';
import type { SipStackHost as SipStackHostType } from '@rvoip/sip';
import { RegistrarOptionsToken } from './options.js';
import type { RegistrarOverrides } from './options.js';
import { DefaultRegistryService } from './registry-service.js';
import { attachRegistrar } from './register-handler.js';
import { UserDirectory } from './user-directory.js';

@injectable()
export class InjectedRegistryService extends DefaultRegistryService {
  constructor(
    @inject(StorageAdapter) storage: StorageAdapterType,
    @inject(RegistrarOptionsToken) @optional() overrides?: RegistrarOverrides,
    @inject(Logger) @optional() logger?: LoggerType,
  ) {
    super(storage.bindings, { ...overrides, ...(logger === undefined ? {} : { logger }) });
  }
}

@injectable()
export class RegistrarLifecycle implements Lifecycle {
  readonly name = 'registrar';
  readonly dependsOn = ['sip', 'storage'] as const;
  private detach: (() => void) | undefined;
  private readonly logger: LoggerType;

  constructor(
    @inject(ResolvedConfig) private readonly config: ResolvedConfigType,
    @inject(SipStackHost) private readonly host: SipStackHostType,
    @inject(StorageAdapter) private readonly storage: StorageAdapterType,
    @inject(InjectedRegistryService) private readonly registry: DefaultRegistryService,
    @inject(RegistrarOptionsToken) @optional() private readonly overrides?: RegistrarOverrides,
    @inject(Logger) @optional() logger?: LoggerType,
  ) {
    this.logger = (logger ?? silentLogger).child({ component: 'registrar' });
  }

  onStart(): void {
    const { sip, registrar } = this.config;
    const domains = [sip.domain, ...(this.overrides?.aliases ?? [])];
    const users = new UserDirectory(registrar.users, sip.domain, this.storage.users);
    const digest = registrar.auth !== 'digest' ? undefined : new DigestServer({
      realm: registrar.realm ?? sip.domain,
      secret: this.overrides?.nonceSecret ?? randomBytes(32),
      lookup: (username) => users.secret(username),
      ...(this.overrides?.checkDigestUri === undefined ? {} : { checkUri: this.overrides.checkDigestUri }),
      algorithms: [...(this.overrides?.digestAlgorithms ?? registrar.digestAlgorithms)],
      logger: this.logger,
    });
    // Without auth, a configured user list still restricts who may register.
    const directory = digest !== undefined || registrar.users.length > 0 ? users : undefined;
    this.detach = attachRegistrar(this.host.stack, {
      registry: this.registry,
      domains,
      ...(digest === undefined ? {} : { auth: digest }),
      ...(directory === undefined ? {} : { users: directory }),
      logger: this.logger,
    });
    this.registry.start();
    this.logger.info({ domains, auth: registrar.auth }, 'registrar serving REGISTER');
  }

  async onStop(): Promise<void> {
    this.detach?.();
    this.detach = undefined;
    await this.registry.stop();
  }
}

export const registrarModule = new ContainerModule(({ bind }) => {
  bind(InjectedRegistryService).toSelf().inSingletonScope();
  bind<RegistryServiceType>(RegistryService).toService(InjectedRegistryService);
  bind(RegistrarLifecycle).toSelf().inSingletonScope();
  bind<Lifecycle>(Lifecycle).toService(RegistrarLifecycle);
});
