export { Kernel } from './kernel.js';
export type { KernelOptions, StartResult } from './kernel.js';
export { kernelModule } from './kernel-module.js';
export { defaultCoreModules, platformModule } from './core-modules.js';
export { loadConfig, loadValidConfig } from './config/load.js';
export type { LoadConfigOptions, LoadedConfig } from './config/load.js';
export { configSchema } from './config/schema.js';
export { SEARCH_PLACES } from './config/search.js';
export { redact, REDACTED } from './config/secrets.js';
export { CallEventDispatcher } from './events/dispatcher.js';
export { MemoryStorageAdapter } from './storage/memory.js';
export { LifecycleRunner, orderUnits } from './lifecycle/runner.js';
export type { LifecycleUnit, ServiceReport, ServiceStatus } from './lifecycle/runner.js';
export { PluginOwners, CORE_OWNER, tokenName } from './plugins/owners.js';
export type { PluginReport, PluginStatus } from './plugins/register.js';
export type { PluginSource } from './plugins/candidates.js';
export { KERNEL_VERSION } from './version.js';
export {
  ConfigInvalidError, ConfigLoadError, ConfigNotFoundError, LifecycleGraphError, LifecycleHookError, LifecycleTimeoutError,
  PluginBootError, StateTableError, KernelStateError, formatIssues,
} from './errors.js';
export type { ConfigIssue } from './errors.js';
export { KernelStatus } from './kernel-status.js';
export type { KernelPhase } from './kernel-status.js';
export { httpModule } from './http/http-module.js';
export { HttpService } from './http/http-service.js';
export type { HttpServiceDeps, HttpTargets } from './http/http-service.js';
export { HttpError, HttpErrorCode, HttpListenError } from './http/errors.js';
export { RvoipMetrics } from './http/metrics.js';
export type { MetricsSources, SipStackStats } from './http/metrics.js';
export { parseListen } from './http/listen.js';
export type { HostPort } from './http/listen.js';
export { sipWorkersModule } from './workers/sip-workers-module.js';
export { SipWorkerPool } from './workers/sip-worker-pool.js';
export type { SipWorkerPoolDeps, SipWorkerStats } from './workers/sip-worker-pool.js';
export { StoragePluginRef } from './workers/protocol.js';
export { isRegisterDatagram } from './workers/datagram-peek.js';
