/**
 * A service that needs to do work when the kernel boots or shuts down. The kernel runs
 * every onInitialize, then every onStart, in dependency order, and onStop in reverse;
 * each hook is timed and bounded by `timeoutMs` (or the kernel default).
 */
export const Lifecycle = Symbol.for('rvoip.kernel.Lifecycle');

export interface Lifecycle {
  /** Unique name other services list in `dependsOn`, e.g. 'storage', 'sip-transports'. */
  readonly name: string;
  readonly dependsOn?: readonly string[];
  readonly timeoutMs?: number;
  onInitialize?(): void | Promise<void>;
  onStart?(): void | Promise<void>;
  onStop?(): void | Promise<void>;
}

export type LifecycleHook = 'onInitialize' | 'onStart' | 'onStop';
