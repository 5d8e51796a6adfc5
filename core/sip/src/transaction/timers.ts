/**
 * RFC 3261 timer values (17.1.1.1, table 4) and the scheduler the state machines use.
 * Both are injectable so tests shrink T1/T2/T4 or drive time by hand instead of sleeping.
 */
import { RvoipError } from '@rvoip/contracts';

export interface TimerValues {
  /** RTT estimate; base of A, B, E, F, G, H, J, L, M. Default 500 ms. */
  T1: number;
  /** Cap on non-INVITE request and INVITE response retransmit intervals. Default 4 s. */
  T2: number;
  /** Maximum time a message stays in the network. Default 5 s. */
  T4: number;
  /** Timer D on unreliable transports: "at least 32 seconds" (17.1.1.2). */
  D: number;
  /** Delay before an INVITE server transaction sends 100 Trying on the TU's behalf (17.2.1). */
  trying: number;
}

export const DEFAULT_TIMERS: Readonly<TimerValues> = Object.freeze({
  T1: 500,
  T2: 4000,
  T4: 5000,
  D: 32000,
  trying: 200,
});

/**
 * Fills the defaults. Timer D follows T1 when only T1 is shortened (64*T1 keeps the
 * default ratio 32 s / 500 ms) so a test setting `{ T1: 10 }` does not wait 32 s.
 */
export function resolveTimers(partial: Partial<TimerValues> = {}): TimerValues {
  const T1 = partial.T1 ?? DEFAULT_TIMERS.T1;
  const values: TimerValues = {
    T1,
    T2: partial.T2 ?? DEFAULT_TIMERS.T2,
    T4: partial.T4 ?? DEFAULT_TIMERS.T4,
    D: partial.D ?? (partial.T1 === undefined ? DEFAULT_TIMERS.D : 64 * T1),
    trying: partial.trying ?? DEFAULT_TIMERS.trying,
  };
  for (const [name, v] of Object.entries(values)) {
    if (!Number.isFinite(v) || v < 0) {
      throw new RvoipError('RVOIP_ERR_SIP_TRANSACTION_CONFIG', `transaction timer ${name} must be a non-negative number of ms, got ${v}`, {
        timer: name,
        value: v,
      });
    }
  }
  return values;
}

export type TimerHandle = unknown;

/** The subset of the timer API the transactions need; swap it for a virtual clock in tests. */
export interface TimerScheduler {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Resolves `globalThis.setTimeout` at call time (not import time) so sinon fake timers
 * installed after this module loaded still take over. Timers are unref'd: a transaction
 * waiting for Timer D must not keep a process alive after its transports closed.
 */
export const realScheduler: TimerScheduler = {
  setTimeout(fn, ms) {
    const handle = globalThis.setTimeout(fn, ms) as unknown as { unref?: () => void };
    if (typeof handle?.unref === 'function') handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]);
  },
};
