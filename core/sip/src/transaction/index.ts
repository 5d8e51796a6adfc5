export { TransactionLayer } from './layer.js';
export type {
  TransactionAckHandler,
  ClientTransaction,
  IncomingRequestContext,
  TransactionRequestHandler,
  ServerTransaction,
  StrayResponseHandler,
  TransactionLayerOptions,
  TransactionStats,
} from './layer.js';
export { InviteClientTransaction } from './invite-client.js';
export type { InviteClientState } from './invite-client.js';
export { NonInviteClientTransaction } from './non-invite-client.js';
export type { NonInviteClientState } from './non-invite-client.js';
export { InviteServerTransaction } from './invite-server.js';
export type { InviteServerState } from './invite-server.js';
export { NonInviteServerTransaction } from './non-invite-server.js';
export type { NonInviteServerState } from './non-invite-server.js';
export type { ClientTransactionEvents, ClientTransactionHandlers } from './client-base.js';
export type { ServerTransactionEvents } from './server-base.js';
export type { BaseEvents, TerminationReason, TransactionCounters, TransactionKind } from './base.js';
export {
  SipTransactionError,
  SIP_TRANSACTION_REQUEST,
  SIP_TRANSACTION_STATE,
  SIP_TRANSACTION_TIMEOUT,
  SIP_TRANSACTION_TRANSPORT,
} from './errors.js';
export { DEFAULT_TIMERS, realScheduler, resolveTimers } from './timers.js';
export type { TimerHandle, TimerScheduler, TimerValues } from './timers.js';
export type { TransactionSource, TransactionTarget, TransactionTransport, TransportMessageHandler } from './transport.js';
export { generateBranch, generateTag, isRfc3261Branch, MAGIC_COOKIE } from './ids.js';
export { createResponse, reasonPhrase, REASON_PHRASES } from './response.js';
export type { CreateResponseOptions } from './response.js';
export { createAckForNon2xx, createCancel } from './request-builders.js';
export { clientKey, clientKeyForResponse, mergeKey, serverKey } from './keys.js';
export { TransientTable } from './transient-table.js';
