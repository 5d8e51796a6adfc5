/**
 * Where the kernel is in its life, for services that must report readiness (the HTTP
 * `/health` endpoint): a Lifecycle's own onStart only says that one service is up, while
 * "ready" means every service started, which only the kernel knows.
 */
export const KernelStatus = Symbol.for('rvoip.kernel.KernelStatus');

export type KernelPhase = 'created' | 'starting' | 'started' | 'stopping' | 'stopped';

export interface KernelStatus {
  readonly phase: KernelPhase;
  /** When every lifecycle service had started; undefined before. */
  readonly startedAt: Date | undefined;
}

/** The kernel's writable side; a stop requested during boot wins over the boot finishing. */
export class KernelStatusTracker implements KernelStatus {
  phase: KernelPhase = 'created';
  startedAt: Date | undefined;

  starting(): void {
    if (this.phase === 'created') this.phase = 'starting';
  }

  started(): void {
    if (this.phase !== 'starting') return;
    this.phase = 'started';
    this.startedAt = new Date();
  }

  stopping(): void {
    if (this.phase !== 'stopped') this.phase = 'stopping';
  }

  stopped(): void {
    this.phase = 'stopped';
  }
}
