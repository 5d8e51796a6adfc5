export { SimplePeer } from './simple-peer.js';
export type { RegisterOptions } from './simple-peer.js';
export { Call, IncomingCall } from './call.js';
export type { DtmfReceived } from './call.js';
export type { SimplePeerConfig } from './peer-config.js';
export { PeerError, UnknownTargetError, CallTimeoutError, CallRejectedError, CallEndedError, PeerClosedError, RegistrationFailedError } from './errors.js';
