export * from './sdp/index.js';
export * from './srtp/index.js';
export * from './rtp/index.js';
