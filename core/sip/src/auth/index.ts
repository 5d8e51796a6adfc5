export * from './errors.js';
export * from './algorithms.js';
export * from './digest-client.js';
export * from './digest-server.js';
