import { ContainerModule, type Bind, type ServiceIdentifier } from 'inversify';

/**
 * Contribution points (Theia's habit): many implementations of one interface, collected
 * lazily. Consumers inject `ContributionProvider` named by the contribution token instead
 * of scattering `@multiInject`, so "none bound yet" is an empty list, not a resolution error.
 */
export const ContributionProvider = Symbol.for('rvoip.contracts.ContributionProvider');

export interface ContributionProvider<T> {
  getContributions(): readonly T[];
}

interface Resolver {
  getAll<T>(id: ServiceIdentifier<T>, options?: { optional?: boolean }): T[];
}

class ContainerContributionProvider<T> implements ContributionProvider<T> {
  private cached: readonly T[] | undefined;
  constructor(private readonly id: ServiceIdentifier<T>, private readonly resolver: Resolver) {}

  getContributions(): readonly T[] {
    // Cached after first use: contributions are fixed once the kernel has loaded all modules.
    this.cached ??= this.resolver.getAll(this.id, { optional: true });
    return this.cached;
  }
}

/**
 * Binds `ContributionProvider` named `id`. Inject it with
 * `@inject(ContributionProvider) @named(id) provider: ContributionProvider<T>`.
 */
export function bindContributionProvider<T>(bind: Bind, id: ServiceIdentifier<T>): void {
  bind<ContributionProvider<T>>(ContributionProvider)
    .toDynamicValue((ctx) => new ContainerContributionProvider<T>(id, ctx))
    .inSingletonScope()
    .whenNamed(id as string | symbol);
}

/** A ContainerModule that only declares contribution points; useful in tests and packages. */
export function contributionPointsModule(...ids: ServiceIdentifier[]): ContainerModule {
  return new ContainerModule(({ bind }) => {
    for (const id of ids) bindContributionProvider(bind, id);
  });
}
