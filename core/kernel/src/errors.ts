import { RvoipError } from '@rvoip/contracts';
import type { LifecycleHook } from '@rvoip/contracts';

/** One problem found while checking config or plugins; all are gathered before reporting. */
export interface ConfigIssue {
  /** Dotted path into the config, e.g. `sip.listen[0]` or `plugins[2][1].currency`. */
  readonly path: string;
  readonly message: string;
}

export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n');
}

/** Every config and plugin-metadata problem at once, raised before anything starts. */
export class ConfigInvalidError extends RvoipError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], where: string) {
    super(
      'RVOIP_ERR_CONFIG_INVALID',
      `config invalid (${issues.length} error${issues.length === 1 ? '' : 's'}) in ${where}:\n${formatIssues(issues)}`,
      { issues, where },
    );
    this.issues = issues;
  }
}

export class ConfigNotFoundError extends RvoipError {
  constructor(path: string) {
    super('RVOIP_ERR_CONFIG_NOT_FOUND', `config file not found: ${path}`, { path });
  }
}

export class ConfigLoadError extends RvoipError {
  constructor(path: string, cause: unknown) {
    super('RVOIP_ERR_CONFIG_LOAD', `cannot load config ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { path }, { cause });
  }
}

export class LifecycleTimeoutError extends RvoipError {
  constructor(service: string, hook: LifecycleHook, timeoutMs: number) {
    super('RVOIP_ERR_LIFECYCLE_TIMEOUT', `${service}.${hook} did not settle within ${timeoutMs} ms`, { service, hook, timeoutMs });
  }
}

export class LifecycleHookError extends RvoipError {
  constructor(service: string, hook: LifecycleHook, cause: unknown) {
    super('RVOIP_ERR_LIFECYCLE_HOOK', `${service}.${hook} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { service, hook }, { cause });
  }
}

export class LifecycleGraphError extends RvoipError {
  constructor(message: string, details: Record<string, unknown>) {
    super('RVOIP_ERR_LIFECYCLE_GRAPH', message, details);
  }
}

export class PluginBootError extends RvoipError {
  constructor(pluginId: string, phase: 'register' | 'initialize' | 'start', cause: unknown) {
    super(
      'RVOIP_ERR_PLUGIN_BOOT',
      `plugin "${pluginId}" failed during ${phase}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { pluginId, phase },
      { cause },
    );
  }
}

export class StateTableError extends RvoipError {
  constructor(unknownActions: readonly string[]) {
    super(
      'RVOIP_ERR_STATE_ACTION_UNKNOWN',
      `state table names actions no built-in or StateActionAdapter handles: ${unknownActions.join('; ')}`,
      { unknownActions },
    );
  }
}

export class KernelStateError extends RvoipError {
  constructor(message: string) {
    super('RVOIP_ERR_KERNEL_STATE', message);
  }
}
