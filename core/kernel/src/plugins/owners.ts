import type { BindToFluentSyntax, ContainerModuleLoadOptions, ServiceIdentifier } from 'inversify';

/** Owner id for services bound by core modules rather than by a plugin. */
export const CORE_OWNER = 'core';
export const PluginOwners = Symbol.for('rvoip.kernel.PluginOwners');

/** Human name of a token: `Symbol.for('rvoip.session.SignalingHandler')` -> 'SignalingHandler'. */
export function tokenName(id: ServiceIdentifier): string {
  if (typeof id === 'symbol') return (id.description ?? 'symbol').split('.').pop() ?? 'symbol';
  if (typeof id === 'function') return id.name || 'anonymous';
  return String(id);
}

type Ctor = abstract new (...args: never[]) => unknown;

export interface PluginOwners {
  /** The plugin id that bound `value`, or 'core'. */
  ownerOf(value: unknown): string;
  /** True once the plugin failed at boot under policy 'continue': its services get no more work. */
  isFailed(owner: string): boolean;
}

/**
 * Remembers which plugin bound which instance, so a failing CallEventAdapter or Lifecycle
 * is reported (and its plugin's boot policy applied) under the right plugin id.
 */
export class PluginOwnerRegistry implements PluginOwners {
  private readonly byInstance = new WeakMap<object, string>();
  private readonly byClass = new Map<Ctor, string>();
  private readonly failed = new Set<string>();

  markFailed(owner: string): void {
    if (owner !== CORE_OWNER) this.failed.add(owner);
  }

  isFailed(owner: string): boolean {
    return this.failed.has(owner);
  }

  tag<T>(value: T, owner: string): T {
    if (typeof value === 'object' && value !== null && !this.byInstance.has(value)) this.byInstance.set(value, owner);
    return value;
  }

  tagClass(ctor: Ctor, owner: string): void {
    if (!this.byClass.has(ctor)) this.byClass.set(ctor, owner);
  }

  ownerOf(value: unknown): string {
    if (typeof value !== 'object' || value === null) return CORE_OWNER;
    return this.byInstance.get(value) ?? this.byClass.get((value as { constructor: Ctor }).constructor) ?? CORE_OWNER;
  }

  /**
   * Load options whose bind/rebind record each token a plugin binds (for `plugins list`)
   * and tag whatever the binding produces with the plugin id.
   */
  recordingOptions(options: ContainerModuleLoadOptions, owner: string, contributed: Set<string>): ContainerModuleLoadOptions {
    const wrap = <T>(syntax: BindToFluentSyntax<T>, id: ServiceIdentifier<T>): BindToFluentSyntax<T> => {
      contributed.add(tokenName(id));
      const tagResult = (value: T | Promise<T>): T | Promise<T> =>
        value instanceof Promise ? value.then((v) => this.tag(v, owner)) : this.tag(value, owner);
      return {
        to: (type) => (this.tagClass(type, owner), syntax.to(type)),
        toSelf: () => {
          if (typeof id === 'function') this.tagClass(id as Ctor, owner);
          return syntax.toSelf();
        },
        toConstantValue: (value) => syntax.toConstantValue(this.tag(value, owner)),
        toDynamicValue: (builder) => syntax.toDynamicValue((ctx) => tagResult(builder(ctx))),
        toFactory: (factory) => syntax.toFactory(factory),
        toResolvedValue: ((factory: (...args: unknown[]) => T | Promise<T>, inject?: never) =>
          inject === undefined
            ? syntax.toResolvedValue(() => tagResult(factory()))
            : syntax.toResolvedValue((...args: unknown[]) => tagResult(factory(...args)), inject)) as BindToFluentSyntax<T>['toResolvedValue'],
        toService: (service) => syntax.toService(service),
      };
    };
    return {
      ...options,
      bind: <T>(id: ServiceIdentifier<T>) => wrap(options.bind<T>(id), id),
      rebind: <T>(id: ServiceIdentifier<T>) => wrap(options.rebind<T>(id), id),
      rebindAsync: async <T>(id: ServiceIdentifier<T>) => wrap(await options.rebindAsync<T>(id), id),
    };
  }
}
