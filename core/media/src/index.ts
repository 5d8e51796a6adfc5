export * from './sdp/index.js';
export * from './srtp/sdes.js';
