import { ContainerModule } from 'inversify';
import { CallController, ContributionProvider, Lifecycle, Logger, RegistryService, ResolvedConfig, SessionManager } from '@rvoip/contracts';
import type { ResolvedConfig as Config, Logger as LoggerType } from '@rvoip/contracts';
import { SipStackHost } from '@rvoip/sip';
import { CallEventDispatcher } from '../events/dispatcher.js';
import { KernelStatus } from '../kernel-status.js';
import { CORE_OWNER, PluginOwners } from '../plugins/owners.js';
import { HttpService } from './http-service.js';
import { SipWorkerPool } from '../workers/sip-worker-pool.js';

/**
 * The operator HTTP endpoint (`http.listen`): /health, /metrics, /api/v1. Services are
 * resolved on start, never at binding time: the session layer can only be built once SIP runs.
 */
export const httpModule = new ContainerModule(({ bind }) => {
  bind(HttpService).toDynamicValue((ctx) => new HttpService({
    config: ctx.get<Config>(ResolvedConfig),
    logger: ctx.get<LoggerType>(Logger),
    status: ctx.get<KernelStatus>(KernelStatus, { optional: true }),
    targets: () => ({
      sip: ctx.get<SipStackHost>(SipStackHost),
      sessions: ctx.get<SessionManager>(SessionManager),
      calls: ctx.get<CallController>(CallController),
      dispatcher: ctx.get(CallEventDispatcher),
      registry: ctx.get<RegistryService>(RegistryService, { optional: true }),
      workers: ctx.get(SipWorkerPool, { optional: true }),
    }),
    coreServices: () => {
      const owners = ctx.get<PluginOwners>(PluginOwners, { optional: true });
      const services = ctx.get<ContributionProvider<Lifecycle>>(ContributionProvider, { name: Lifecycle }).getContributions();
      return services.filter((s) => (owners?.ownerOf(s) ?? CORE_OWNER) === CORE_OWNER).map((s) => s.name);
    },
  })).inSingletonScope();
  bind<Lifecycle>(Lifecycle).toService(HttpService);
});
