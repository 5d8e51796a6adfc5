/**
 * The structured-logging surface every layer writes to. It is the subset of pino's API
 * rvoip uses, so the kernel can hand out pino child loggers while the lower layers stay
 * free of a logging dependency.
 */
/** DI token for the root logger the kernel binds (a pino instance when run by `rvoip`). */
export const Logger = Symbol.for('rvoip.kernel.Logger');

export interface LogFn {
  (obj: Record<string, unknown>, msg?: string): void;
  (msg: string): void;
}

export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  child(bindings: Record<string, unknown>): Logger;
  /**
   * pino's check, for callers whose log object costs something to build on a hot path
   * (a line per REGISTER). Optional: a logger without it is treated as enabled.
   */
  isLevelEnabled?(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'): boolean;
}

const noop: LogFn = () => undefined;

/** A logger that drops everything; the default for library use without a kernel. */
export const silentLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => silentLogger,
  isLevelEnabled: () => false,
};
