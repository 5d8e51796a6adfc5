/**
 * Binds the 'sip-workers' lifecycle (a no-op unless `sip.workers` > 1) and, for the main
 * stack's udp:// points, the divert hook that counts the REGISTERs the main thread serves.
 */
import { ContainerModule } from 'inversify';
import { Lifecycle, Logger, ResolvedConfig } from '@rvoip/contracts';
import type { Logger as LoggerType, ResolvedConfig as Config } from '@rvoip/contracts';
import { InjectedRegistryService, RegistrarLifecycle, RegistrarOptionsToken } from '@rvoip/session';
import type { RegistrarOverrides } from '@rvoip/session';
import { SipStackHost, SipUdpDivert } from '@rvoip/sip';
import type { UdpDivert } from '@rvoip/sip';
import { StoragePluginRef } from './protocol.js';
import { SipWorkerPool } from './sip-worker-pool.js';

export const sipWorkersModule = new ContainerModule(({ bind }) => {
  bind(SipWorkerPool).toDynamicValue((ctx) => new SipWorkerPool({
    config: ctx.get<Config>(ResolvedConfig),
    logger: ctx.get<LoggerType>(Logger),
    // Lazy: the SIP stack service itself takes this pool's divert hook.
    host: () => ctx.get<SipStackHost>(SipStackHost),
    registry: ctx.get(InjectedRegistryService),
    storage: () => ctx.get<StoragePluginRef>(StoragePluginRef, { optional: true }),
    nonceSecret: () => ctx.get(RegistrarLifecycle).nonceSecret,
    overrides: ctx.get<RegistrarOverrides>(RegistrarOptionsToken, { optional: true }),
  })).inSingletonScope();
  bind<UdpDivert>(SipUdpDivert).toDynamicValue((ctx) => ctx.get(SipWorkerPool).mainDivert).inSingletonScope();
  bind<Lifecycle>(Lifecycle).toService(SipWorkerPool);
});
