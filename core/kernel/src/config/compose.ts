import type { JsonSchema } from '@rvoip/contracts';
import type { PreparedPlugin } from '../plugins/resolve.js';
import { configSchema } from './schema.js';

function optionsSchema(p: PreparedPlugin): JsonSchema {
  const { $schema: _s, $id: _i, ...schema } = p.definition.configSchema ?? { type: 'object' };
  return { ...schema, description: schema.description ?? `Options of plugin "${p.id}" ${p.version}` };
}

/**
 * The config schema with each loaded plugin's option schema attached to its entry
 * (`[name, options]`, `{ use, options }`, `storage.options`), so an editor checks plugin
 * options as the kernel does. Conditionals keep the base shapes intact.
 */
export function composeSchema(plugins: readonly PreparedPlugin[], storageAdapter: string): JsonSchema {
  const schema = structuredClone(configSchema) as JsonSchema & { properties: Record<string, JsonSchema> };
  const entryRules: JsonSchema[] = [];
  const storageRules: JsonSchema[] = [];
  for (const p of plugins) {
    const options = optionsSchema(p);
    if (p.source === 'config') {
      entryRules.push(
        { if: { type: 'array', prefixItems: [{ const: p.specifier }] }, then: { prefixItems: [{}, options] } },
        { if: { type: 'object', required: ['use'], properties: { use: { const: p.specifier } } }, then: { properties: { options } } },
      );
    } else if (p.source === 'storage') {
      storageRules.push({ if: { properties: { adapter: { const: storageAdapter } } }, then: { properties: { options } } });
    }
  }
  const plugins_ = schema.properties.plugins;
  if (entryRules.length > 0 && plugins_.items) plugins_.items = { allOf: [plugins_.items, ...entryRules] };
  if (storageRules.length > 0) schema.properties.storage = { allOf: [schema.properties.storage, ...storageRules] };
  return schema;
}
