/**
 * One dialog's state (RFC 3261 12.1, 12.2) and the two jobs done with it: building
 * requests inside it (12.2.1.1) and checking the requests that arrive in it (12.2.2).
 * From/To are kept as the header text exchanged when the dialog was created, so display
 * names and header parameters survive unchanged into every later request.
 */
import { randomInt } from 'node:crypto';
import { SipHeaders } from '../message/headers.js';
import { SipRequest } from '../message/message.js';
import type { SipMessage, SipResponse } from '../message/message.js';
import type { AnyUri } from '../message/uri.js';
import { SipUri, parseAnyUri } from '../message/uri.js';
import { generateBranch } from '../transaction/ids.js';
import type { DialogRole } from './dialog-id.js';
import { dialogId } from './dialog-id.js';
import { DialogError } from './errors.js';
import type { RouteEntry, RoutedRequestTarget } from './route-set.js';
import { routeRequest, routeSetFrom, uriOfNameAddr } from './route-set.js';

export type DialogState = 'early' | 'confirmed' | 'terminated';

/** Methods whose requests and 2xx responses replace the remote target (RFC 3261 12.2, 3311, 3515, 6665). */
export const TARGET_REFRESH_METHODS: ReadonlySet<string> = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

export interface DialogInit {
  role: DialogRole;
  callId: string;
  localTag: string;
  /** Empty when the peer is an RFC 2543 UA that sent no tag. */
  remoteTag: string;
  /** The local From/To header text, local tag included. */
  localAddress: string;
  /** The remote From/To header text, remote tag included. */
  remoteAddress: string;
  /** Undefined is the RFC's "empty" sequence number. */
  localSeq?: number;
  remoteSeq?: number;
  remoteTarget: string;
  routeSet: RouteEntry[];
  secure: boolean;
  state: 'early' | 'confirmed';
  /** The Contact value this side advertised (`<sip:alice@192.0.2.1:5060>`). */
  localContact?: string;
}

export interface InDialogRequestOptions {
  body?: Buffer | string;
  contentType?: string;
  /** Extra header lines, appended in order. */
  headers?: Array<[string, string]>;
  /** Whole top Via value; default: sent-by from the local Contact and a fresh branch. */
  via?: string;
  /** Contact to send (and to keep as the local contact); default the dialog's own. */
  contact?: string;
}

export type RemoteCSeqCheck = 'ok' | 'out-of-order';

export class Dialog {
  readonly role: DialogRole;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly secure: boolean;
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  remoteTarget: string;
  routeSet: RouteEntry[];
  localContact: string | undefined;
  private currentState: DialogState;

  constructor(init: DialogInit) {
    this.role = init.role;
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localAddress = init.localAddress;
    this.remoteAddress = init.remoteAddress;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.secure = init.secure;
    this.currentState = init.state;
    this.localContact = init.localContact;
  }

  /** `callId;localTag;remoteTag`. */
  get id(): string {
    return dialogId(this.callId, this.localTag, this.remoteTag);
  }

  get state(): DialogState {
    return this.currentState;
  }

  get localUri(): AnyUri {
    return parseAnyUri(uriOfNameAddr(this.localAddress));
  }

  get remoteUri(): AnyUri {
    return parseAnyUri(uriOfNameAddr(this.remoteAddress));
  }

  /**
   * Early -> confirmed on a 2xx; returns false when nothing changed. Given the UAC's
   * 2xx, the route set is recomputed from it (13.2.2.4): proxies that did not
   * Record-Route the 1xx may do so on the 2xx.
   */
  confirm(response?: SipResponse): boolean {
    if (this.currentState !== 'early') return false;
    this.currentState = 'confirmed';
    if (response !== undefined && this.role === 'uac') this.routeSet = routeSetFrom(response, 'uac');
    return true;
  }

  terminate(): boolean {
    if (this.currentState === 'terminated') return false;
    this.currentState = 'terminated';
    return true;
  }

  /** Where a request inside this dialog goes: Request-URI and Route values (12.2.1.1). */
  target(): RoutedRequestTarget {
    return routeRequest(this.routeSet, this.remoteTarget);
  }

  /**
   * A new request inside the dialog, with the next local CSeq. ACK and CANCEL are not
   * built here: ACK reuses the INVITE's number (createAck), CANCEL belongs to the
   * INVITE's transaction.
   */
  createRequest(method: string, opts: InDialogRequestOptions = {}): SipRequest {
    const m = method.toUpperCase();
    if (m === 'ACK' || m === 'CANCEL') {
      throw new DialogError('RVOIP_ERR_DIALOG_METHOD', `${m} keeps the INVITE's CSeq: use createAck / the INVITE transaction's CANCEL`, {
        dialog: this.id,
      });
    }
    this.assertUsable(m);
    // 12.2.1.1: an empty local sequence number starts at a random 31-bit value.
    this.localSeq = this.localSeq === undefined ? randomInt(1, 2 ** 31) : this.localSeq + 1;
    return this.build(m, this.localSeq, opts);
  }

  /**
   * The ACK for a 2xx to the INVITE with CSeq number `inviteSeq` (13.2.2.4): a request of
   * its own (new branch), the route set applied, body only when it carries an answer.
   */
  createAck(inviteSeq: number, opts: InDialogRequestOptions = {}): SipRequest {
    this.assertUsable('ACK');
    return this.build('ACK', inviteSeq, opts);
  }

  /**
   * 12.2.2: a request whose CSeq is below the remote sequence number is out of order
   * (answer 500); otherwise it becomes the new remote sequence number. ACK and CANCEL
   * carry the INVITE's number and are exempt: an ACK may trail a newer request.
   */
  checkRemoteCSeq(request: SipRequest): RemoteCSeqCheck {
    if (request.method === 'ACK' || request.method === 'CANCEL') return 'ok';
    const seq = request.cseq.seq;
    if (this.remoteSeq !== undefined && seq < this.remoteSeq) return 'out-of-order';
    this.remoteSeq = seq;
    return 'ok';
  }

  /**
   * Replaces the remote target with the message's Contact when the message is a target
   * refresh: a target-refresh request from the peer, or a 1xx/2xx answering one of ours.
   */
  refreshTarget(msg: SipMessage): boolean {
    const method = msg.isRequest ? msg.method : msg.cseq.method;
    if (!TARGET_REFRESH_METHODS.has(method.toUpperCase())) return false;
    if (!msg.isRequest && (msg.status < 101 || msg.status >= 300)) return false;
    const contact = msg.contacts[0];
    if (contact === undefined) return false;
    const target = contact.uri.toString();
    if (target === this.remoteTarget) return false;
    this.remoteTarget = target;
    return true;
  }

  private assertUsable(method: string): void {
    if (this.currentState === 'terminated') {
      throw new DialogError('RVOIP_ERR_DIALOG_TERMINATED', `cannot send ${method} in terminated dialog ${this.id}`, {
        dialog: this.id,
        method,
      });
    }
  }

  private build(method: string, seq: number, opts: InDialogRequestOptions): SipRequest {
    const { requestUri, routes } = this.target();
    if (opts.contact !== undefined && TARGET_REFRESH_METHODS.has(method)) this.localContact = opts.contact;
    const contact = opts.contact ?? this.localContact;
    const h = new SipHeaders();
    h.append('Via', opts.via ?? this.defaultVia());
    h.append('Max-Forwards', 70);
    for (const route of routes) h.append('Route', route);
    h.append('From', this.localAddress);
    h.append('To', this.remoteAddress);
    h.append('Call-ID', this.callId);
    h.append('CSeq', `${seq} ${method}`);
    // Contact is mandatory in target-refresh requests and harmless elsewhere but
    // meaningless in BYE/ACK; only send it where it means something.
    if (contact !== undefined && (TARGET_REFRESH_METHODS.has(method) || opts.contact !== undefined)) h.append('Contact', contact);
    for (const [name, value] of opts.headers ?? []) h.append(name, value);
    const body = opts.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body, 'utf8');
    if (body.length > 0 && opts.contentType !== undefined) h.append('Content-Type', opts.contentType);
    h.append('Content-Length', body.length);
    return new SipRequest(method, requestUri, h, body);
  }

  /**
   * A Via naming the transport and address of our Contact. The transport layer stamps
   * transport and sent-by with the socket it really uses (via-policy.ts), keeping the
   * branch, which is what this layer must get right: a new one per request (8.1.1.7).
   * Without a Contact the host is the reserved `invalid.invalid` until stamped.
   */
  private defaultVia(): string {
    let transport = this.secure ? 'TLS' : 'UDP';
    let sentBy = 'invalid.invalid';
    if (this.localContact !== undefined) {
      try {
        const uri = parseAnyUri(uriOfNameAddr(this.localContact));
        if (uri instanceof SipUri) {
          sentBy = uri.port === undefined ? uri.host : `${uri.host}:${uri.port}`;
          if (uri.transport !== undefined) transport = uri.transport.toUpperCase();
          else if (uri.scheme === 'sips') transport = 'TLS';
        }
      } catch {
        // A Contact we cannot parse still leaves the request sendable.
      }
    }
    return `SIP/2.0/${transport} ${sentBy};branch=${generateBranch()};rport`;
  }
}
