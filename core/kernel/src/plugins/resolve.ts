import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { PluginBootFailurePolicy, PluginDefinition, PluginOptions, ResolvedConfig } from '@rvoip/contracts';
import type { ConfigIssue } from '../errors.js';
import { createAjv, validateWith } from '../config/validate.js';
import { collectCandidates } from './candidates.js';
import type { PluginCandidate, PluginSource } from './candidates.js';
import { locatePlugin } from './locate.js';
import { checkManifest, importPlugin } from './manifest.js';

/** A plugin that passed every pre-start check, ready to register. */
export interface PreparedPlugin {
  readonly id: string;
  readonly version: string;
  readonly source: PluginSource;
  readonly specifier: string;
  readonly entry: string;
  readonly definition: PluginDefinition<unknown>;
  /** Options after schema validation, defaults applied. */
  readonly options: PluginOptions;
  readonly policy: PluginBootFailurePolicy;
  readonly enabled: boolean;
  readonly dependsOn: readonly string[];
  readonly configPath: string;
}

export interface ResolvedPlugins {
  /** Enabled plugins in dependency order, then disabled ones (listed, never loaded). */
  readonly plugins: readonly PreparedPlugin[];
  readonly issues: readonly ConfigIssue[];
}

function compileOptions(def: PluginDefinition<unknown>): ValidateFunction | string {
  if (!def.configSchema) return createAjv(false).compile({ type: 'object' });
  try {
    const { $schema: _s, $id: _i, ...schema } = def.configSchema;
    return createAjv(false).compile(schema);
  } catch (err) {
    return `configSchema of plugin "${def.id}" is not a valid JSON Schema: ${(err as Error).message}`;
  }
}

/** Kahn's algorithm, stable in config order; leftovers form a cycle. */
function order(plugins: PreparedPlugin[]): { sorted: PreparedPlugin[]; cyclic: PreparedPlugin[] } {
  const sorted: PreparedPlugin[] = [];
  const done = new Set<string>();
  let rest = [...plugins];
  let progressed = true;
  while (rest.length > 0 && progressed) {
    progressed = false;
    for (const p of rest) {
      if (p.dependsOn.every((d) => done.has(d))) {
        sorted.push(p);
        done.add(p.id);
        progressed = true;
      }
    }
    rest = rest.filter((p) => !done.has(p.id));
  }
  return { sorted, cyclic: rest };
}

async function prepareOne(c: PluginCandidate, config: ResolvedConfig, issues: ConfigIssue[]): Promise<PreparedPlugin | undefined> {
  const located = locatePlugin(c.specifier, config.baseDir);
  if (typeof located === 'string') {
    issues.push({ path: c.configPath, message: `cannot load plugin "${c.specifier}": ${located}` });
    return undefined;
  }
  const imported = await importPlugin(located.entry);
  if (!imported.definition) {
    issues.push({ path: c.configPath, message: `cannot load plugin "${c.specifier}": ${imported.problem ?? 'unknown problem'}` });
    return undefined;
  }
  const def = imported.definition;
  // A disabled entry is listed but never loaded: its compatibility and options are moot.
  const problems = c.enabled ? checkManifest(def) : [];
  if (problems.length > 0) {
    for (const p of problems) issues.push({ path: c.configPath, message: `plugin "${String(def.id)}" (${c.specifier}): ${p}` });
    return undefined;
  }
  const validator = compileOptions(def);
  const options = structuredClone(c.options) as Record<string, unknown>;
  if (c.enabled) {
    if (typeof validator === 'string') issues.push({ path: c.configPath, message: validator });
    else issues.push(...validateWith(validator, options, c.optionsPath));
  }
  return {
    id: def.id,
    version: def.version,
    source: c.source,
    specifier: c.specifier,
    entry: located.entry,
    definition: def,
    options,
    policy: c.onBootFailure ?? def.onBootFailure ?? config.kernel.onPluginBootFailure,
    enabled: c.enabled,
    dependsOn: def.dependsOn ?? [],
    configPath: c.configPath,
  };
}

/**
 * Locates, imports and checks every plugin, gathering all problems (missing packages,
 * bad manifests, version ranges, duplicate ids, missing dependencies, cycles, options).
 */
export async function resolvePlugins(config: ResolvedConfig): Promise<ResolvedPlugins> {
  const issues: ConfigIssue[] = [];
  const { candidates, missingDirs } = collectCandidates(config);
  missingDirs.forEach((dir) => issues.push({ path: `discovery.dirs[${config.discovery.dirs.indexOf(dir)}]`, message: `got ${JSON.stringify(dir)}; expected an existing plugin folder` }));

  const prepared: PreparedPlugin[] = [];
  for (const c of candidates) {
    const p = await prepareOne(c, config, issues);
    if (p) prepared.push(p);
  }
  const byId = new Map<string, PreparedPlugin>();
  for (const p of prepared) {
    const first = byId.get(p.id);
    if (first) issues.push({ path: p.configPath, message: `duplicate plugin id "${p.id}" (${p.specifier}); ${first.configPath} (${first.specifier}) already uses it` });
    else byId.set(p.id, p);
  }
  const enabled = [...byId.values()].filter((p) => p.enabled);
  const enabledIds = new Set(enabled.map((p) => p.id));
  for (const p of enabled) {
    for (const dep of p.dependsOn) {
      if (enabledIds.has(dep)) continue;
      const why = byId.has(dep) ? 'which is disabled' : 'which is not in the plugin list';
      issues.push({ path: p.configPath, message: `plugin "${p.id}" depends on "${dep}", ${why}` });
    }
  }
  const { sorted, cyclic } = order(enabled.filter((p) => p.dependsOn.every((d) => enabledIds.has(d))));
  for (const p of cyclic) {
    issues.push({ path: p.configPath, message: `plugin "${p.id}" is part of a dependency cycle (dependsOn: ${p.dependsOn.join(', ')})` });
  }
  const disabled = [...byId.values()].filter((p) => !p.enabled);
  return { plugins: [...sorted, ...disabled], issues };
}
