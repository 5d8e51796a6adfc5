export { SipParseError, SipHeaderError } from './errors.js';
export type { HeaderField } from './headers.js';
export { SipHeaders, headerKey, canonicalHeaderName } from './headers.js';
export type { RequestUri, SipMessage } from './message.js';
export { SIP_VERSION, SipRequest, SipResponse, isRequest } from './message.js';
export type { AnyUri } from './uri.js';
export { SipUri, TelUri, GenericUri, parseUri, parseAnyUri, unescapeUri } from './uri.js';
export { NameAddr, parseNameAddr, parseNameAddrs } from './name-addr.js';
export { Via, BRANCH_COOKIE, parseVias } from './via.js';
export type {
  AuthParam,
  CSeq,
  EventHeader,
  RAck,
  ReasonValue,
  Replaces,
  RetryAfter,
  SessionExpires,
  SubscriptionState,
} from './header-values.js';
export {
  AuthHeader,
  MAX_CSEQ,
  parseAuthHeader,
  parseAuthList,
  parseCSeq,
  parseEvent,
  parseMinSE,
  parseNameAddrHeader,
  parseNameAddrList,
  parseRAck,
  parseReason,
  parseReplaces,
  parseRetryAfter,
  parseSessionExpires,
  parseSubscriptionState,
  parseTokenList,
  parseUnsigned,
  parseViaList,
} from './header-values.js';
export type { ParamMap } from './lex.js';
export { quote, unquote } from './lex.js';
export type { ParseOptions } from './parser.js';
export { DEFAULT_MAX_MESSAGE_SIZE, parseMessage } from './parser.js';
export { validateMessage } from './validate.js';
export type { FramerEvent, StreamFramerOptions } from './stream-framer.js';
export { StreamFramer } from './stream-framer.js';
export { serializeMessage } from './serializer.js';
