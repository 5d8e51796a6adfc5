export * from './transaction/index.js';
