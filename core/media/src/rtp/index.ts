export * from './errors.js';
export * from './rtp-header.js';
export * from './port-allocator.js';
export * from './receive-stats.js';
export * from './rtcp.js';
export * from './emodel.js';
export * from './rtcp-reporter.js';
export * from './rtp-session.js';
