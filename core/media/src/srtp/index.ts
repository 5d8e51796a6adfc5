export * from './sdes.js';
export * from './srtp-transform.js';
