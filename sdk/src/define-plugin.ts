import { validateSync } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { RvoipError, createPluginDefinition } from '@rvoip/contracts';
import type { PluginDefinition, PluginManifest, PluginOptions } from '@rvoip/contracts';
import { PluginManifestDto } from './plugin-manifest.dto.js';

/**
 * Declares a plugin. Validates the manifest eagerly and reports every problem at once,
 * naming the field and the plugin, so a broken plugin fails where it is written.
 */
export function definePlugin<O = PluginOptions>(manifest: PluginManifest<O>): PluginDefinition<O> {
  const dto = plainToInstance(PluginManifestDto, { ...manifest });
  // class-transformer copies functions and class instances by reference; keep the originals.
  dto.module = manifest.module as PluginManifestDto['module'];
  dto.configSchema = manifest.configSchema;
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
