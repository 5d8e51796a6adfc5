/**
 * The narrow slice of a transport the transaction layer needs. `TransportLayer` from
 * ../transport satisfies it structurally; tests may plug in anything with this shape.
 */
import type { SipMessage, SipRequest, SipResponse } from '../message/message.js';
import type { Via } from '../message/via.js';

/** Where a request went; handed back to `sendRequest` so retransmissions follow it. */
export interface TransactionTarget {
  /** Lower-case transport name: udp, tcp, tls, ws, wss. */
  protocol: string;
  host: string;
  port: number;
}

/** Where a request came from; handed back to `sendResponse` (RFC 3261 18.2.2). */
export interface TransactionSource {
  protocol: string;
  remoteAddress: string;
  remotePort: number;
  localAddress?: string;
  localPort?: number;
  connectionId?: string;
}

export type TransportMessageHandler = (msg: SipMessage, source: TransactionSource) => void;

export interface TransactionTransport {
  /** Sends (resolving the target when absent), fills the top Via sent-by, rejects on failure. */
  sendRequest(req: SipRequest, target?: TransactionTarget): Promise<TransactionTarget>;
  /** Routes by the top Via (or the source connection) and rejects on failure; the value is unused. */
  sendResponse(res: SipResponse, source?: TransactionSource): Promise<unknown>;
  /**
   * Optional: sendResponse without a promise; `onError` (always asynchronous) only on
   * failure. Server transactions prefer it: one response per request is the hot path.
   * `wire`, when given, is `res` already serialized. `topVia`, when given, is `res`'s top
   * Via already parsed (the request's, which the response copied verbatim).
   */
  dispatchResponse?(res: SipResponse, source: TransactionSource | undefined, onError: (err: unknown) => void, wire?: Buffer, topVia?: Via): void;
  /** Optional: reliability per protocol; absent means "everything but UDP is reliable". */
  isReliable?(protocol: string): boolean;
  /** Optional: lets the layer subscribe itself; may return an unsubscribe function. */
  onMessage?(handler: TransportMessageHandler): unknown;
}

/** RFC 3261 18: only UDP lacks delivery guarantees among the SIP transports. */
export function transportIsReliable(transport: TransactionTransport, protocol: string): boolean {
  if (typeof transport.isReliable === 'function') return transport.isReliable(protocol);
  return protocol.toLowerCase() !== 'udp';
}

/** Turns a synchronous throw from a transport into a rejection, so one path handles both. */
export function attempt<T>(send: () => Promise<T>): Promise<T> {
  try {
    return send();
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
