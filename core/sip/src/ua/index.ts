export { SipStack, DEFAULT_USER_AGENT } from './sip-stack.js';
export { Registration, RegistrationError } from './registration.js';
export type { RegistrationOptions } from './registration.js';
export { checkRequest } from './uas-checks.js';
export type { UasPolicy, UasRejection } from './uas-checks.js';
export { buildRequest, generateCallId, nextAttempt, requestUriOf, toNameAddr } from './request-factory.js';
export type { RequestInit } from './request-factory.js';
export { SipRequestError, SipUaStateError, SIP_UA_CANCELLED, SIP_UA_REJECTED, SIP_UA_STATE, SIP_UA_TIMEOUT, SIP_UA_TRANSPORT } from './errors.js';
export type * from './types.js';
