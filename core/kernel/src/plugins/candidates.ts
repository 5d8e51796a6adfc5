import { resolve } from 'node:path';
import type { PluginBootFailurePolicy, PluginEntry, PluginOptions, ResolvedConfig } from '@rvoip/contracts';
import { discoverInstalled, discoverLocal } from './discover.js';

export type PluginSource = 'config' | 'storage' | 'installed' | 'local';

/** One plugin to load, before it is located and imported. */
export interface PluginCandidate {
  readonly specifier: string;
  readonly source: PluginSource;
  readonly options: PluginOptions;
  /** Where this plugin came from in the config, for error messages (`plugins[2]`). */
  readonly configPath: string;
  /** Where its options live, so option errors point at the exact key. */
  readonly optionsPath: string;
  readonly onBootFailure?: PluginBootFailurePolicy;
  readonly enabled: boolean;
}

/** Storage shorthands: `storage.adapter: sqlite` means the @rvoip/storage-sqlite plugin. */
const STORAGE_PACKAGES: Readonly<Record<string, string>> = {
  sqlite: '@rvoip/storage-sqlite',
  postgres: '@rvoip/storage-postgres',
  redis: '@rvoip/storage-redis',
};
export const BUILTIN_STORAGE = 'memory';

export function storageSpecifier(adapter: string): string | undefined {
  if (adapter === BUILTIN_STORAGE) return undefined;
  return STORAGE_PACKAGES[adapter] ?? adapter;
}

function fromEntry(entry: PluginEntry, i: number): PluginCandidate {
  if (typeof entry === 'string') {
    return { specifier: entry, source: 'config', options: {}, configPath: `plugins[${i}]`, optionsPath: `plugins[${i}][1]`, enabled: true };
  }
  if (Array.isArray(entry)) {
    const [specifier, options] = entry as readonly [string, PluginOptions?];
    return { specifier, source: 'config', options: options ?? {}, configPath: `plugins[${i}]`, optionsPath: `plugins[${i}][1]`, enabled: true };
  }
  const obj = entry as Exclude<PluginEntry, string | readonly unknown[]>;
  return {
    specifier: obj.use,
    source: 'config',
    options: obj.options ?? {},
    configPath: `plugins[${i}]`,
    optionsPath: `plugins[${i}].options`,
    enabled: obj.enabled !== false,
    ...(obj.onBootFailure && { onBootFailure: obj.onBootFailure }),
  };
}

function key(specifier: string, baseDir: string): string {
  return specifier.startsWith('.') || specifier.startsWith('/') ? resolve(baseDir, specifier) : specifier;
}

/**
 * The config's list is authoritative; the storage adapter and opt-in discovery only add
 * plugins not already listed (so a listed entry's options and policy always win).
 */
export function collectCandidates(config: ResolvedConfig): { candidates: PluginCandidate[]; missingDirs: string[] } {
  const candidates = config.plugins.map(fromEntry);
  const seen = new Set(candidates.map((c) => key(c.specifier, config.baseDir)));
  const add = (c: PluginCandidate): void => {
    const k = key(c.specifier, config.baseDir);
    if (seen.has(k)) return;
    seen.add(k);
    candidates.push(c);
  };
  const storage = storageSpecifier(config.storage.adapter);
  if (storage) {
    add({ specifier: storage, source: 'storage', options: config.storage.options, configPath: 'storage.adapter', optionsPath: 'storage.options', enabled: true });
  }
  if (config.discovery.installed) {
    for (const name of discoverInstalled(config.baseDir)) {
      add({ specifier: name, source: 'installed', options: {}, configPath: `discovered package ${name}`, optionsPath: `discovered package ${name} options`, enabled: true });
    }
  }
  const local = discoverLocal(config.baseDir, config.discovery.dirs);
  for (const dir of local.found) {
    add({ specifier: dir, source: 'local', options: {}, configPath: `local plugin ${dir}`, optionsPath: `local plugin ${dir} options`, enabled: true });
  }
  return { candidates, missingDirs: local.missing };
}
