import type { ContainerModule } from 'inversify';

/**
 * The ContainerModules of the core packages, loaded after the kernel's own module and
 * before plugins (so plugins and apps can rebind any of their services). Each core package
 * exports one `xxxModule` from `src/<name>-module.ts`; adding a layer is one line here.
 */
export const defaultCoreModules: readonly ContainerModule[] = [];
