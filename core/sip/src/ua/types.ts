/**
 * The user-agent surface of the SIP stack: what a session layer, a registrar or a B2BUA
 * codes against. Transactions, dialogs and 2xx/ACK reliability stay underneath; a handler
 * sees requests, answers them, and gets dialogs back.
 */
import type { Logger } from '@rvoip/contracts';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { SipUri } from '../message/uri.js';
import type { NameAddr } from '../message/name-addr.js';
import type { ListenSpec, ReceivedInfo, RemoteTarget, TransportProtocol } from '../transport/types.js';
import type { TimerValues } from '../transaction/timers.js';
import type { UasPolicy } from './uas-checks.js';

export interface SipStackOptions {
  /** `udp://127.0.0.1:5060`, `tcp://[::1]:5060`, `tls://...`, `ws://...`, `wss://...` or specs. */
  listen: Array<string | ListenSpec>;
  /** Domain this element serves; used in From of requests it originates. */
  domain?: string;
  /** User-Agent / Server header value. */
  userAgent?: string;
  timers?: Partial<TimerValues>;
  /** Overrides of the UAS inspection policy (Allow is derived from registered handlers). */
  policy?: Partial<Omit<UasPolicy, 'allow'>>;
  /** Inbound request queue cap per transport before 503 + Retry-After. */
  maxInboundQueue?: number;
  logger?: Logger;
}

export interface Credentials {
  username: string;
  password: string;
  /** Only answer challenges from this realm when set. */
  realm?: string;
}

export interface SendOptions {
  /** Explicit next hop; otherwise RFC 3263 on the Request-URI / first Route. */
  target?: RemoteTarget;
  /** Answers 401/407 once per challenge (and again on stale nonces). */
  credentials?: Credentials;
}

export interface ResponseOptions {
  reason?: string;
  headers?: Array<[string, string | number]>;
  body?: Buffer | string;
  contentType?: string;
  /**
   * Final non-2xx answers to non-INVITE requests only: send once and keep no transaction
   * (RFC 3261 8.2.7, stateless UAS), as for a digest challenge. Ignored elsewhere.
   */
  stateless?: boolean;
}

/** A request outside any dialog (or the initial INVITE), handed to a method handler. */
export interface IncomingRequest {
  readonly request: SipRequest;
  readonly source: ReceivedInfo;
  /** Final or provisional answer; the Via/From/To/Call-ID/CSeq copy and To tag are done here. */
  respond(status: number, opts?: ResponseOptions): Promise<void>;
}

/** An initial INVITE: provisional answers create an early dialog, accept confirms it. */
export interface IncomingInvite extends IncomingRequest {
  /** Set when the caller sent CANCEL (the stack already answered 487). */
  readonly cancelled: boolean;
  onCancel(listener: (cancel: SipRequest) => void): void;
  /**
   * 180/183 (with a body for early media). With `reliable` and a caller that supports
   * 100rel (RFC 3262), the response carries RSeq, is retransmitted until PRACK and the
   * promise resolves on the PRACK; otherwise it is sent once.
   */
  progress(status: number, opts?: ResponseOptions & { reliable?: boolean }): Promise<void>;
  /** Sends the 2xx, retransmits it until the ACK and resolves with the confirmed dialog. */
  accept(opts?: ResponseOptions): Promise<SipDialog>;
  reject(status: number, opts?: ResponseOptions): Promise<void>;
}

export interface OutgoingInviteOptions extends SendOptions {
  /** Request-URI / To. */
  to: string | SipUri | NameAddr;
  /** From; defaults to `sip:rvoip@<domain>`. */
  from?: string | NameAddr;
  body?: Buffer | string;
  contentType?: string;
  headers?: Array<[string, string | number]>;
}

export interface OutgoingInvite {
  readonly request: SipRequest;
  onProvisional(listener: (res: SipResponse, early: SipDialog | undefined) => void): void;
  /** Resolves with the first confirmed dialog (further forked 2xx are ACKed and BYEd); rejects with SipCallError on a final failure. */
  readonly answered: Promise<SipDialog>;
  cancel(reason?: string): Promise<void>;
}

/** A dialog usage: in-dialog requests both ways, ending with BYE. */
export interface SipDialog {
  readonly id: string;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localUri: string;
  readonly remoteUri: string;
  readonly remoteTarget: string;
  readonly state: 'early' | 'confirmed' | 'terminated';
  /** The INVITE (UAS) or the 2xx (UAC) that confirmed the dialog: its body is the remote SDP. */
  readonly remoteDescription: Buffer;
  /** Sends an in-dialog request (re-INVITE with ACK handled, UPDATE, INFO, REFER, NOTIFY, BYE). */
  request(method: string, opts?: Omit<ResponseOptions, 'reason'>): Promise<SipResponse>;
  /** In-dialog requests from the peer; the handler must answer through `respond`. */
  onRequest(listener: (req: IncomingRequest) => void): void;
  onTerminated(listener: (reason: DialogEndReason) => void): void;
  /** Sends BYE (once) and ends the dialog. */
  bye(opts?: { headers?: Array<[string, string | number]> }): Promise<void>;
}

export type DialogEndReason = 'local-bye' | 'remote-bye' | 'ack-timeout' | 'transport-error' | 'closed';

export type RequestHandler = (req: IncomingRequest) => void | Promise<void>;
export type InviteHandler = (invite: IncomingInvite) => void | Promise<void>;

export type { TransportProtocol };
