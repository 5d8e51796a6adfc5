import { pino } from 'pino';
import type { DestinationStream } from 'pino';
import type { LogLevel, Logger } from '@rvoip/contracts';

/**
 * The kernel's pino root logger. Synchronous stdout by default so the last lines before
 * an exit (errors, "stopped") are never lost.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const logger = pino(
    { level, base: { name: 'rvoip' }, serializers: { err: pino.stdSerializers.err } },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
  return logger as unknown as Logger;
}
