import type { ContainerModule } from 'inversify';
import type { Logger } from './logger.js';
import type { JsonSchema } from './json.js';
import type { PluginBootFailurePolicy, PluginOptions, ResolvedConfig } from './config.js';

/** Marks objects built by definePlugin so the kernel can tell a plugin from any export. */
export const PLUGIN_KIND = 'rvoip-plugin';

export interface PluginContext<O = PluginOptions> {
  readonly id: string;
  readonly version: string;
  /** The plugin's options after validation against its configSchema (defaults applied). */
  readonly options: O;
  /** A child logger bound with `{ plugin: id }`. */
  readonly logger: Logger;
  readonly config: ResolvedConfig;
}

/** Either a ready ContainerModule or a factory that builds one from the plugin's context. */
export type PluginModule<O = PluginOptions> =
  | ContainerModule
  | ((context: PluginContext<O>) => ContainerModule | Promise<ContainerModule>);

export interface PluginManifest<O = PluginOptions> {
  /** kebab-case, unique in one app: 'billing', 'transcription-vosk'. */
  readonly id: string;
  /** The plugin's own semver version. */
  readonly version: string;
  /** Semver range of rvoip kernels this plugin works with, e.g. '^0.1.0'. */
  readonly rvoip: string;
  /** Ids of plugins that must load (and start) before this one. */
  readonly dependsOn?: readonly string[];
  /** JSON Schema (2020-12) of this plugin's options. */
  readonly configSchema?: JsonSchema;
  readonly module: PluginModule<O>;
  readonly description?: string;
  /** Default boot-failure policy; the config entry's `onBootFailure` wins. */
  readonly onBootFailure?: PluginBootFailurePolicy;
}

export interface PluginDefinition<O = PluginOptions> extends PluginManifest<O> {
  readonly kind: typeof PLUGIN_KIND;
}

/** Low-level form without DTO validation; plugin authors use `definePlugin` from `@rvoip/sdk`. */
export function createPluginDefinition<O = PluginOptions>(manifest: PluginManifest<O>): PluginDefinition<O> {
  return Object.freeze({ ...manifest, kind: PLUGIN_KIND });
}

export function isPluginDefinition(value: unknown): value is PluginDefinition<unknown> {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === PLUGIN_KIND;
}
