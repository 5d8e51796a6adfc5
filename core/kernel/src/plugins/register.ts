import { ContainerModule } from 'inversify';
import type { Container } from 'inversify';
import type { Logger, PluginContext, ResolvedConfig } from '@rvoip/contracts';
import { PluginBootError } from '../errors.js';
import { withTimeout, elapsedMs } from '../lifecycle/timeout.js';
import { RvoipError } from '@rvoip/contracts';
import type { PluginOwnerRegistry } from './owners.js';
import type { PreparedPlugin } from './resolve.js';

export type PluginStatus = 'loaded' | 'started' | 'failed' | 'skipped' | 'disabled';

/** One line of `plugins list` and of the start result. */
export interface PluginReport {
  readonly id: string;
  readonly version: string;
  readonly source: PreparedPlugin['source'];
  readonly specifier: string;
  readonly policy: PreparedPlugin['policy'];
  /** Token names the plugin bound: 'CallEventAdapter', 'StorageAdapter', 'Lifecycle'... */
  contributes: string[];
  status: PluginStatus;
  error?: string;
  registerMs?: number;
}

export interface RegisteredPlugin {
  readonly plugin: PreparedPlugin;
  readonly report: PluginReport;
  readonly module?: ContainerModule;
}

/**
 * Loads each enabled plugin's ContainerModule in dependency order, bounded by `timeoutMs`.
 * A failure either aborts (PluginBootError) or, under 'continue', unloads what the plugin
 * bound and skips the plugins that depend on it.
 */
export async function registerPlugins(
  container: Container,
  plugins: readonly PreparedPlugin[],
  owners: PluginOwnerRegistry,
  config: ResolvedConfig,
  logger: Logger,
): Promise<RegisteredPlugin[]> {
  const out: RegisteredPlugin[] = [];
  const unavailable = new Set<string>();
  for (const plugin of plugins) {
    const report: PluginReport = {
      id: plugin.id, version: plugin.version, source: plugin.source, specifier: plugin.specifier, policy: plugin.policy,
      contributes: [], status: 'disabled',
    };
    if (!plugin.enabled) {
      out.push({ plugin, report });
      continue;
    }
    const blocker = plugin.dependsOn.find((d) => unavailable.has(d));
    if (blocker) {
      report.status = 'skipped';
      report.error = `dependency "${blocker}" failed`;
      unavailable.add(plugin.id);
      out.push({ plugin, report });
      continue;
    }
    const log = logger.child({ plugin: plugin.id });
    const contributed = new Set<string>();
    const context: PluginContext<unknown> = { id: plugin.id, version: plugin.version, options: plugin.options, logger: log, config };
    const wrapper = new ContainerModule(async (options) => {
      const def = plugin.definition.module;
      const inner = typeof def === 'function' ? await def(context) : def;
      if (!(inner instanceof ContainerModule) && typeof (inner as { load?: unknown } | undefined)?.load !== 'function') {
        throw new RvoipError('RVOIP_ERR_PLUGIN_MODULE', `module factory of plugin "${plugin.id}" returned ${typeof inner}, expected a ContainerModule`);
      }
      await inner.load(owners.recordingOptions(options, plugin.id, contributed));
    });
    const t0 = process.hrtime.bigint();
    try {
      await withTimeout(() => container.loadAsync(wrapper), config.kernel.hookTimeoutMs, () =>
        new RvoipError('RVOIP_ERR_PLUGIN_REGISTER_TIMEOUT', `registration did not finish within ${config.kernel.hookTimeoutMs} ms`));
      report.status = 'loaded';
      log.debug({ contributes: [...contributed] }, 'plugin registered');
    } catch (err) {
      report.status = 'failed';
      report.error = err instanceof Error ? err.message : String(err);
      unavailable.add(plugin.id);
      owners.markFailed(plugin.id);
      log.error({ err, policy: plugin.policy }, 'plugin registration failed');
      await container.unloadAsync(wrapper).catch(() => undefined);
      if (plugin.policy === 'abort') throw new PluginBootError(plugin.id, 'register', err);
    } finally {
      report.registerMs = elapsedMs(t0);
      report.contributes = [...contributed].sort();
    }
    out.push({ plugin, report, module: wrapper });
  }
  return out;
}
