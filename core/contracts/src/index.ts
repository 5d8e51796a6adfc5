export { RvoipError, isRvoipError } from './errors.js';
export { silentLogger } from './logger.js';
export type { Logger, LogFn } from './logger.js';
