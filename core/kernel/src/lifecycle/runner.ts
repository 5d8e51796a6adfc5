import type { Lifecycle, LifecycleHook, Logger } from '@rvoip/contracts';
import { LifecycleGraphError, LifecycleHookError, LifecycleTimeoutError } from '../errors.js';
import { elapsedMs, withTimeout } from './timeout.js';

export type ServiceStatus = 'pending' | 'initialized' | 'started' | 'failed' | 'skipped' | 'stopped';

export interface ServiceReport {
  readonly name: string;
  /** 'core' or the id of the plugin that bound it. */
  readonly owner: string;
  status: ServiceStatus;
  readonly timings: Partial<Record<LifecycleHook, number>>;
  error?: Error;
}

export interface LifecycleUnit {
  readonly service: Lifecycle;
  readonly owner: string;
  /** Extra ordering edges, e.g. from the owning plugin's dependsOn. */
  readonly after: readonly string[];
}

/** Decides what a failing hook does: abort the boot, or mark the unit failed and go on. */
export type FailureDecider = (unit: LifecycleUnit, hook: LifecycleHook, error: Error) => 'abort' | 'continue';

/** Stable topological order by `dependsOn` (+ implicit edges); precise errors otherwise. */
export function orderUnits(units: readonly LifecycleUnit[]): LifecycleUnit[] {
  const byName = new Map<string, LifecycleUnit>();
  for (const u of units) {
    if (byName.has(u.service.name)) {
      throw new LifecycleGraphError(`two services are named "${u.service.name}" (owners ${byName.get(u.service.name)?.owner} and ${u.owner})`, { name: u.service.name });
    }
    byName.set(u.service.name, u);
  }
  const deps = (u: LifecycleUnit): string[] => [...(u.service.dependsOn ?? []), ...u.after.filter((a) => byName.has(a))];
  for (const u of units) {
    for (const d of u.service.dependsOn ?? []) {
      if (!byName.has(d)) throw new LifecycleGraphError(`service "${u.service.name}" depends on "${d}", which no module binds`, { service: u.service.name, missing: d });
    }
  }
  const sorted: LifecycleUnit[] = [];
  const done = new Set<string>();
  let rest = [...units];
  while (rest.length > 0) {
    const ready = rest.filter((u) => deps(u).every((d) => done.has(d)));
    if (ready.length === 0) {
      throw new LifecycleGraphError(`dependency cycle among services: ${rest.map((u) => u.service.name).join(', ')}`, { services: rest.map((u) => u.service.name) });
    }
    for (const u of ready) {
      sorted.push(u);
      done.add(u.service.name);
    }
    rest = rest.filter((u) => !done.has(u.service.name));
  }
  return sorted;
}

/**
 * Runs onInitialize for all, then onStart for all, in dependency order; onStop in reverse.
 * Every hook is timed and bounded; a unit whose dependency failed is skipped.
 */
export class LifecycleRunner {
  readonly reports: ServiceReport[];
  private readonly units: LifecycleUnit[];
  private stopping: Promise<void> | undefined;
  private readonly initialized = new Set<number>();

  constructor(
    units: readonly LifecycleUnit[],
    private readonly defaultTimeoutMs: number,
    private readonly logger: Logger,
    private readonly decide: FailureDecider,
  ) {
    this.units = orderUnits(units);
    this.reports = this.units.map((u) => ({ name: u.service.name, owner: u.owner, status: 'pending', timings: {} }));
  }

  async initialize(): Promise<void> {
    await this.phase('onInitialize', 'initialized');
  }

  async start(): Promise<void> {
    await this.phase('onStart', 'started');
  }

  /** Idempotent: concurrent and repeated calls share one shutdown. Never throws. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    for (let i = this.units.length - 1; i >= 0; i--) {
      const report = this.reports[i];
      // Anything that got past onInitialize may hold resources, even if its start failed.
      if (!this.initialized.has(i) || report.status === 'stopped') continue;
      try {
        await this.run(this.units[i], report, 'onStop');
      } catch (err) {
        this.logger.error({ service: report.name, owner: report.owner, err }, 'service stop failed');
      }
      report.status = 'stopped';
    }
  }

  private async phase(hook: 'onInitialize' | 'onStart', reached: ServiceStatus): Promise<void> {
    const failed = new Set<string>();
    const failedOwners = new Set(this.reports.filter((r) => r.status === 'failed' && r.owner !== 'core').map((r) => r.owner));
    for (let i = 0; i < this.units.length; i++) {
      const unit = this.units[i];
      const report = this.reports[i];
      if (report.status === 'failed' || report.status === 'skipped') {
        failed.add(unit.service.name);
        continue;
      }
      // A plugin that failed under 'continue' is out as a whole, not just the one service.
      const blocker = failedOwners.has(unit.owner)
        ? `plugin ${unit.owner}`
        : [...(unit.service.dependsOn ?? []), ...unit.after].find((d) => failed.has(d));
      if (blocker) {
        report.status = 'skipped';
        report.error = new Error(`skipped: ${blocker} failed`);
        failed.add(unit.service.name);
        continue;
      }
      try {
        await this.run(unit, report, hook);
        report.status = reached;
        if (hook === 'onInitialize') this.initialized.add(i);
      } catch (err) {
        const error = err as Error;
        report.status = 'failed';
        report.error = error;
        failed.add(unit.service.name);
        if (unit.owner !== 'core') failedOwners.add(unit.owner);
        this.logger.error({ service: report.name, owner: report.owner, hook, err: error }, 'service hook failed');
        if (this.decide(unit, hook, error) === 'abort') throw error;
      }
    }
  }

  private async run(unit: LifecycleUnit, report: ServiceReport, hook: LifecycleHook): Promise<void> {
    const fn = unit.service[hook];
    if (!fn) return;
    const name = unit.service.name;
    const timeoutMs = unit.service.timeoutMs ?? this.defaultTimeoutMs;
    const t0 = process.hrtime.bigint();
    try {
      await withTimeout(
        async () => {
          try {
            await fn.call(unit.service);
          } catch (err) {
            throw new LifecycleHookError(name, hook, err);
          }
        },
        timeoutMs,
        () => new LifecycleTimeoutError(name, hook, timeoutMs),
      );
    } finally {
      report.timings[hook] = elapsedMs(t0);
      this.logger.debug({ service: name, owner: unit.owner, hook, ms: report.timings[hook] }, 'lifecycle hook');
    }
  }
}
