import type { RemoteEndpoint } from './registry.js';
import type { SessionId, SipAddress } from './session.js';

/**
 * The decision point for every incoming out-of-dialog request. The default handler in
 * core/session accepts registered users' calls; a call-centre engine rebinds this token.
 */
export const SignalingHandler = Symbol.for('rvoip.session.SignalingHandler');

export type SipMethod =
  | 'INVITE' | 'ACK' | 'BYE' | 'CANCEL' | 'REGISTER' | 'OPTIONS' | 'INFO' | 'UPDATE'
  | 'REFER' | 'NOTIFY' | 'SUBSCRIBE' | 'MESSAGE' | 'PRACK' | 'PUBLISH';

export interface IncomingRequestInfo {
  readonly method: SipMethod;
  readonly requestUri: string;
  readonly from: SipAddress & { readonly tag?: string };
  readonly to: SipAddress & { readonly tag?: string };
  readonly callId: string;
  readonly cseq: number;
  /** Header names lower-cased; repeated headers keep every value in order. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly contentType?: string;
  readonly body?: string;
  readonly source: RemoteEndpoint;
  /** Username proven by digest authentication, when the registrar challenged. */
  readonly authenticatedUser?: string;
  /** The session created for an INVITE, so Defer/Custom can drive it via CallController. */
  readonly sessionId?: SessionId;
}

export interface ResponseSpec {
  readonly code: number;
  readonly reason?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly contentType?: string;
  readonly body?: string;
}

/** Lets a Custom decision answer the request itself (e.g. 302 to a queue node). */
export interface RequestResponder {
  respond(response: ResponseSpec): Promise<void>;
}

export type SignalingDecision =
  /** Answer (INVITE: 200 with SDP answer) or process normally (REGISTER, OPTIONS...). */
  | { readonly kind: 'accept'; readonly headers?: Readonly<Record<string, string>> }
  | { readonly kind: 'reject'; readonly code: number; readonly reason?: string; readonly headers?: Readonly<Record<string, string>> }
  /**
   * Keep the request pending: INVITE gets 100 Trying (180 with `ring`) and waits for
   * CallController.answer/reject; after `timeoutMs` it is rejected with 480.
   */
  | { readonly kind: 'defer'; readonly ring?: boolean; readonly timeoutMs?: number }
  | { readonly kind: 'custom'; readonly handle: (request: IncomingRequestInfo, responder: RequestResponder) => Promise<void> };

export interface SignalingHandler {
  decide(request: IncomingRequestInfo): SignalingDecision | Promise<SignalingDecision>;
}

/** Constructors so handlers read like `return Decision.reject(486, 'Busy Here')`. */
export const Decision = {
  accept(headers?: Readonly<Record<string, string>>): SignalingDecision {
    return headers ? { kind: 'accept', headers } : { kind: 'accept' };
  },
  reject(code: number, reason?: string, headers?: Readonly<Record<string, string>>): SignalingDecision {
    return { kind: 'reject', code, ...(reason !== undefined && { reason }), ...(headers && { headers }) };
  },
  defer(options: { readonly ring?: boolean; readonly timeoutMs?: number } = {}): SignalingDecision {
    return { kind: 'defer', ...options };
  },
  custom(handle: (request: IncomingRequestInfo, responder: RequestResponder) => Promise<void>): SignalingDecision {
    return { kind: 'custom', handle };
  },
} as const;
