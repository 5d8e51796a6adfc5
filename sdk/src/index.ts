// The plugin-facing facade: plugins and apps import everything from '@rvoip/sdk'.
// Append new public API (SimplePeer, Call, testing kit) as further export lines.
export * from '@rvoip/contracts';
export { definePlugin } from './define-plugin.js';
export { PluginManifestDto } from './plugin-manifest.dto.js';
// One inversify instance for the whole app: plugins build their ContainerModule from these.
export { ContainerModule, injectable, inject, named, optional, decorate } from 'inversify';
export type { ContainerModuleLoadOptions, ServiceIdentifier } from 'inversify';
export * from './peer/index.js';
