import { validateSync } from 'class-validator';
import { RvoipError, createPluginDefinition } from '@rvoip/contracts';
import type { PluginDefinition, PluginManifest, PluginOptions } from '@rvoip/contracts';
import { PluginManifestDto } from './plugin-manifest.dto.js';

/**
 * Declares a plugin. Validates the manifest eagerly and reports every problem at once,
 * naming the field and the plugin, so a broken plugin fails where it is written.
 */
export function definePlugin<O = PluginOptions>(manifest: PluginManifest<O>): PluginDefinition<O> {
  // Object.assign rather than class-transformer: the manifest holds functions and class
  // instances (the module) that must reach the validator untouched.
  const dto = Object.assign(new PluginManifestDto(), manifest) as PluginManifestDto;
  const errors = validateSync(dto, { forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.flatMap((e) => Object.values(e.constraints ?? {}).map((msg) => `${e.property}: ${msg}`));
    const who = typeof manifest.id === 'string' ? `plugin "${manifest.id}"` : 'plugin';
    throw new RvoipError('RVOIP_ERR_SDK_PLUGIN_INVALID', `definePlugin: ${who} is invalid:\n  ${lines.join('\n  ')}`, {
      errors: lines,
    });
  }
  return createPluginDefinition(manifest);
}
