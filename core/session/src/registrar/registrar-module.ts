/**
 * The registrar for the kernel: binds RegistryService (over the bound StorageAdapter) and
 * a Lifecycle 'registrar' that, once 'sip' and 'storage' have started, installs the
 * REGISTER handler on the running stack (serve-register.ts, shared with the kernel's UDP
 * worker threads) and starts the expiry timer. Config: `sip.domain`,
 * `registrar.auth|realm|users`; timing limits through RegistrarOptionsToken.
 */
import { randomBytes } from 'node:crypto';
import { ContainerModule, inject, injectable, optional } from 'inversify';
import { Lifecycle, Logger, RegistryService, ResolvedConfig, StorageAdapter, silentLogger } from '@rvoip/contracts';
import type {
  Logger as LoggerType, RegistryService as RegistryServiceType, ResolvedConfig as ResolvedConfigType,
  StorageAdapter as StorageAdapterType,
} from '@rvoip/contracts';
import { SipStackHost } from '@rvoip/sip';
import type { SipStackHost as SipStackHostType } from '@rvoip/sip';
import { RegistrarOptionsToken } from './options.js';
import type { RegistrarOverrides } from './options.js';
import { DefaultRegistryService } from './registry-service.js';
import { registrarDomains, serveRegister } from './serve-register.js';

@injectable()
export class InjectedRegistryService extends DefaultRegistryService {
  constructor(
    @inject(StorageAdapter) storage: StorageAdapterType,
    @inject(RegistrarOptionsToken) @optional() overrides?: RegistrarOverrides,
    @inject(Logger) @optional() logger?: LoggerType,
    @inject(ResolvedConfig) @optional() config?: ResolvedConfigType,
  ) {
    // With UDP worker threads (sip.workers > 1) others write the same bindings: no cache then.
    const exclusiveStore = (config?.sip.workers ?? 1) <= 1;
    const maxContacts = config?.registrar.maxContacts;
    super(storage.bindings, {
      exclusiveStore, ...(maxContacts === undefined ? {} : { maxContacts }), ...overrides, ...(logger === undefined ? {} : { logger }),
    });
  }
}

@injectable()
export class RegistrarLifecycle implements Lifecycle {
  readonly name = 'registrar';
  readonly dependsOn = ['sip', 'storage'] as const;
  private detach: (() => void) | undefined;
  private secret: string | Buffer | undefined;
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

  /**
   * The digest nonce key of this run: the configured one (RegistrarOverrides.nonceSecret)
   * or one random key per process, which the kernel passes to its UDP worker threads.
   */
  get nonceSecret(): string | Buffer {
    this.secret ??= this.overrides?.nonceSecret ?? randomBytes(32);
    return this.secret;
  }

  onStart(): void {
    const wiring = {
      config: this.config, storage: this.storage, registry: this.registry, overrides: this.overrides,
      nonceSecret: this.nonceSecret, logger: this.logger,
    };
    this.detach = serveRegister(this.host.stack, wiring);
    this.registry.start();
    this.logger.info({ domains: registrarDomains(wiring), auth: this.config.registrar.auth }, 'registrar serving REGISTER');
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
