import 'reflect-metadata';
import { Container } from 'inversify';
import type { ContainerModule, ServiceIdentifier } from 'inversify';
import {
  ContributionProvider, Lifecycle, Logger, ResolvedConfig, StateActionAdapter, StateTable, StorageAdapter,
} from '@rvoip/contracts';
import type { JsonSchema, LifecycleHook, PluginBootFailurePolicy, ResolvedConfig as Config } from '@rvoip/contracts';
import { composeSchema } from './config/compose.js';
import { redact } from './config/secrets.js';
import { loadConfig } from './config/load.js';
import type { LoadConfigOptions } from './config/load.js';
import { defaultCoreModules } from './core-modules.js';
import { ConfigInvalidError, KernelStateError, PluginBootError, StateTableError } from './errors.js';
import { kernelModule } from './kernel-module.js';
import { KernelStatus, KernelStatusTracker } from './kernel-status.js';
import { LifecycleRunner } from './lifecycle/runner.js';
import type { LifecycleUnit, ServiceReport } from './lifecycle/runner.js';
import { elapsedMs } from './lifecycle/timeout.js';
import { createLogger } from './logging.js';
import { BUILTIN_STORAGE, storageSpecifier } from './plugins/candidates.js';
import { CORE_OWNER, PluginOwnerRegistry, PluginOwners } from './plugins/owners.js';
import { registerPlugins } from './plugins/register.js';
import type { PluginReport, RegisteredPlugin } from './plugins/register.js';
import { resolvePlugins } from './plugins/resolve.js';
import type { PreparedPlugin } from './plugins/resolve.js';
import { findUnknownActions } from './state/check.js';
import { MemoryStorageAdapter } from './storage/memory.js';
import { StoragePluginRef } from './workers/protocol.js';

export interface KernelOptions extends LoadConfigOptions {
  /** Core package modules; defaults to `defaultCoreModules`. The kernel's own module is always loaded. */
  readonly coreModules?: readonly ContainerModule[];
  /** App modules, loaded after plugins, so an app can rebind any service. */
  readonly modules?: readonly ContainerModule[];
  /** Defaults to a pino logger at `log.level`. */
  readonly logger?: Logger;
  /** Overrides every plugin's boot-failure policy; `plugins list` uses 'continue' to list all. */
  readonly onPluginBootFailure?: PluginBootFailurePolicy;
}

export interface StartResult {
  /** False when some plugin failed under the 'continue' policy. */
  readonly ok: boolean;
  readonly plugins: readonly PluginReport[];
  readonly services: readonly ServiceReport[];
  readonly durationMs: number;
}

/**
 * The facade `rvoip start` drives: config -> plugin checks -> containers -> lifecycle.
 * `create` throws every config and plugin problem together before anything is bound.
 */
export class Kernel {
  readonly container = new Container({ defaultScope: 'Singleton' });
  private readonly owners = new PluginOwnerRegistry();
  private registered: RegisteredPlugin[] | undefined;
  private loading: Promise<readonly PluginReport[]> | undefined;
  private runner: LifecycleRunner | undefined;
  private stopping: Promise<void> | undefined;
  private starting: Promise<StartResult> | undefined;
  private readonly status = new KernelStatusTracker();

  private constructor(
    readonly config: Config,
    readonly logger: Logger,
    private readonly plugins: readonly PreparedPlugin[],
    private readonly secretPointers: ReadonlySet<string>,
    private readonly options: KernelOptions,
  ) {}

  static async create(options: KernelOptions = {}): Promise<Kernel> {
    const loaded = await loadConfig(options);
    const issues = [...loaded.issues];
    // Plugins are checked even when the core config has problems, so one run shows all of them.
    const pluginsUsable = !issues.some((i) => /^(plugins|storage|discovery)\b/.test(i.path));
    const resolved = pluginsUsable ? await resolvePlugins(loaded.config) : { plugins: [], issues: [] };
    issues.push(...resolved.issues);
    if (issues.length > 0) throw new ConfigInvalidError(issues, loaded.where);
    const logger = options.logger ?? createLogger(loaded.config.log.level);
    const policy = options.onPluginBootFailure;
    const plugins = policy ? resolved.plugins.map((p) => ({ ...p, policy })) : resolved.plugins;
    return new Kernel(loaded.config, logger, plugins, loaded.secretPointers, options);
  }

  /** The resolved config with secrets masked: safe to print or log. */
  redactedConfig(): Record<string, unknown> {
    const { configFile: _f, baseDir: _b, ...rest } = this.config;
    return redact(rest as Record<string, unknown>, this.secretPointers);
  }

  /** The config JSON Schema with every configured plugin's option schema attached. */
  schema(): JsonSchema {
    return composeSchema(this.plugins, this.config.storage.adapter);
  }

  /** Binds core modules, storage, plugins and app modules; does not start anything. */
  load(): Promise<readonly PluginReport[]> {
    this.loading ??= this.doLoad();
    return this.loading;
  }

  reports(): readonly PluginReport[] {
    return this.registered?.map((r) => r.report) ?? [];
  }

  get<T>(token: ServiceIdentifier<T>): T {
    return this.container.get<T>(token);
  }

  start(): Promise<StartResult> {
    if (this.starting) throw new KernelStateError('kernel already started');
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<StartResult> {
    const t0 = process.hrtime.bigint();
    this.status.starting();
    await this.load();
    this.checkStateTable();
    if (this.config.storage.adapter !== BUILTIN_STORAGE && !this.container.isBound(StorageAdapter)) {
      throw new KernelStateError(`storage.adapter "${this.config.storage.adapter}" loaded, but no plugin bound StorageAdapter`);
    }
    const runner = new LifecycleRunner(this.lifecycleUnits(), this.config.kernel.hookTimeoutMs, this.logger, (unit, hook, error) =>
      this.onHookFailure(unit, hook, error));
    this.runner = runner;
    try {
      await runner.initialize();
      await runner.start();
    } catch (err) {
      await runner.stop();
      const failed = runner.reports.find((r) => r.error === err);
      if (failed && failed.owner !== CORE_OWNER) throw new PluginBootError(failed.owner, 'start', err);
      throw err;
    }
    for (const r of this.reports()) if (r.status === 'loaded') r.status = 'started';
    this.status.started();
    const result: StartResult = {
      ok: this.reports().every((r) => r.status === 'started' || r.status === 'disabled'),
      plugins: this.reports(),
      services: runner.reports,
      durationMs: elapsedMs(t0),
    };
    this.logger.info(
      { plugins: result.plugins.map((p) => `${p.id}@${p.version}:${p.status}`), services: result.services.length, ms: Math.round(result.durationMs) },
      'rvoip ready',
    );
    return result;
  }

  /** Idempotent; stops services in reverse start order. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.status.stopping();
      // A signal during boot: let start settle first so nothing starts after the stop.
      await this.starting?.catch(() => undefined);
      await this.runner?.stop();
      this.status.stopped();
      this.logger.info('rvoip stopped');
    })();
    return this.stopping;
  }

  /** Stops on the first SIGINT/SIGTERM and resolves with its name once stopped. */
  stopOnSignals(signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): Promise<NodeJS.Signals> {
    return new Promise((resolve) => {
      const handler = (signal: NodeJS.Signals): void => {
        this.logger.info({ signal }, 'stopping');
        void this.stop().then(() => {
          for (const s of signals) process.off(s, handler);
          resolve(signal);
        });
      };
      for (const s of signals) process.on(s, handler);
    });
  }

  private async doLoad(): Promise<readonly PluginReport[]> {
    const { container } = this;
    container.bind<Config>(ResolvedConfig).toConstantValue(this.config);
    container.bind<Logger>(Logger).toConstantValue(this.logger);
    container.bind<PluginOwners>(PluginOwners).toConstantValue(this.owners);
    container.bind<KernelStatus>(KernelStatus).toConstantValue(this.status);
    await container.loadAsync(kernelModule, ...(this.options.coreModules ?? defaultCoreModules));
    if (this.config.storage.adapter === BUILTIN_STORAGE) {
      container.bind<StorageAdapter>(StorageAdapter).toConstantValue(new MemoryStorageAdapter());
    }
    this.registered = await registerPlugins(container, this.plugins, this.owners, this.config, this.logger);
    this.bindStoragePluginRef();
    if (this.options.modules?.length) await container.loadAsync(...this.options.modules);
    return this.reports();
  }

  /** Which plugin provides storage, so `sip.workers` threads can open their own connection. */
  private bindStoragePluginRef(): void {
    const specifier = storageSpecifier(this.config.storage.adapter);
    const plugin = this.plugins.find((p) => p.source === 'storage') ?? this.plugins.find((p) => p.specifier === specifier);
    if (plugin === undefined || this.container.isBound(StoragePluginRef)) return;
    const ref: StoragePluginRef = { id: plugin.id, version: plugin.version, entry: plugin.entry, options: plugin.options };
    this.container.bind<StoragePluginRef>(StoragePluginRef).toConstantValue(ref);
  }

  private checkStateTable(): void {
    if (!this.container.isBound(StateTable)) return;
    const table = this.container.get<StateTable>(StateTable);
    const adapters = this.container.get<ContributionProvider<StateActionAdapter>>(ContributionProvider, { name: StateActionAdapter });
    const unknown = findUnknownActions(table, adapters.getContributions());
    if (unknown.length > 0) throw new StateTableError(unknown);
  }

  private lifecycleUnits(): LifecycleUnit[] {
    const services = this.container.get<ContributionProvider<Lifecycle>>(ContributionProvider, { name: Lifecycle }).getContributions();
    const failed = new Set(this.reports().filter((r) => r.status !== 'loaded').map((r) => r.id));
    const namesByOwner = new Map<string, string[]>();
    const live = services.filter((s) => !failed.has(this.owners.ownerOf(s)));
    for (const s of live) {
      const owner = this.owners.ownerOf(s);
      namesByOwner.set(owner, [...(namesByOwner.get(owner) ?? []), s.name]);
    }
    const depsOf = new Map(this.plugins.map((p) => [p.id, p.dependsOn]));
    return live.map((service) => {
      const owner = this.owners.ownerOf(service);
      const after = (depsOf.get(owner) ?? []).flatMap((dep) => namesByOwner.get(dep) ?? []);
      return { service, owner, after };
    });
  }

  private onHookFailure(unit: LifecycleUnit, hook: LifecycleHook, error: Error): 'abort' | 'continue' {
    if (unit.owner === CORE_OWNER) return 'abort';
    const report = this.reports().find((r) => r.id === unit.owner);
    const policy = report?.policy ?? 'abort';
    if (report && policy === 'continue') {
      this.owners.markFailed(unit.owner);
      report.status = 'failed';
      report.error = error.message;
      this.logger.child({ plugin: unit.owner }).error({ hook, err: error }, 'plugin failed; continuing (policy: continue)');
    }
    return policy;
  }
}
