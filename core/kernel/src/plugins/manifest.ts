import { pathToFileURL } from 'node:url';
import semver from 'semver';
import { isPluginDefinition } from '@rvoip/contracts';
import type { PluginDefinition } from '@rvoip/contracts';
import { KERNEL_VERSION } from '../version.js';

const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

function describeError(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

/** Imports a plugin module and picks its definition: default export, else `plugin`. */
export async function importPlugin(entry: string): Promise<{ definition?: PluginDefinition<unknown>; problem?: string }> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  } catch (err) {
    return { problem: `cannot import ${entry}: ${describeError(err)}` };
  }
  const candidate = mod.default ?? mod.plugin;
  if (isPluginDefinition(candidate)) return { definition: candidate };
  return { problem: `${entry} does not export a plugin (expected \`export default definePlugin({...})\`)` };
}

/**
 * Fastify's habit: metadata is checked at registration, before anything runs.
 * Returns every problem with the manifest (empty when fine).
 */
export function checkManifest(def: PluginDefinition<unknown>): string[] {
  const problems: string[] = [];
  if (typeof def.id !== 'string' || !KEBAB.test(def.id)) problems.push(`id ${JSON.stringify(def.id)} must be kebab-case`);
  if (typeof def.version !== 'string' || !semver.valid(def.version)) problems.push(`version ${JSON.stringify(def.version)} is not a semver version`);
  if (typeof def.rvoip !== 'string' || !semver.validRange(def.rvoip)) {
    problems.push(`rvoip ${JSON.stringify(def.rvoip)} is not a semver range`);
  } else if (!semver.satisfies(KERNEL_VERSION, def.rvoip, { includePrerelease: true })) {
    problems.push(`requires rvoip ${def.rvoip}, but this kernel is ${KERNEL_VERSION}`);
  }
  if (def.dependsOn !== undefined && (!Array.isArray(def.dependsOn) || def.dependsOn.some((d) => typeof d !== 'string'))) {
    problems.push('dependsOn must be an array of plugin ids');
  }
  if (def.configSchema !== undefined && (typeof def.configSchema !== 'object' || def.configSchema === null)) {
    problems.push('configSchema must be a JSON Schema object');
  }
  const m: unknown = def.module;
  if (typeof m !== 'function' && (typeof m !== 'object' || m === null || typeof (m as { load?: unknown }).load !== 'function')) {
    problems.push('module must be a ContainerModule or a function returning one');
  }
  return problems;
}
