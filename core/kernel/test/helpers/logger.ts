import type { LogFn, Logger } from '@rvoip/contracts';

export interface LogRecord {
  readonly level: string;
  readonly bindings: Readonly<Record<string, unknown>>;
  readonly obj: Readonly<Record<string, unknown>>;
  readonly msg?: string;
}

/** A Logger that keeps every record (with child bindings) for assertions. */
export function memoryLogger(records: LogRecord[] = [], bindings: Record<string, unknown> = {}): Logger & { records: LogRecord[] } {
  const fn = (level: string): LogFn =>
    ((a: Record<string, unknown> | string, b?: string) => {
      if (typeof a === 'string') records.push({ level, bindings, obj: {}, msg: a });
      else records.push({ level, bindings, obj: a, ...(b !== undefined && { msg: b }) });
    }) as LogFn;
  return {
    records,
    trace: fn('trace'),
    debug: fn('debug'),
    info: fn('info'),
    warn: fn('warn'),
    error: fn('error'),
    fatal: fn('fatal'),
    child: (more) => memoryLogger(records, { ...bindings, ...more }),
  };
}
