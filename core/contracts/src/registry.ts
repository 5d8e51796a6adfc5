import type { Disposable } from './disposable.js';

/** The registrar (RFC 3261 §10): address-of-record to contact bindings. */
export const RegistryService = Symbol.for('rvoip.session.RegistryService');

export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

export interface RemoteEndpoint {
  readonly transport: TransportProtocol;
  readonly address: string;
  readonly port: number;
}

export interface ContactBinding {
  /** Address of record, normalized `sip:user@domain`. */
  readonly aor: string;
  /** Contact URI as sent by the UA. */
  readonly contact: string;
  readonly expiresAt: Date;
  readonly callId: string;
  readonly cseq: number;
  /** Contact q-value, 0..1; higher is tried first when forking. */
  readonly q?: number;
  readonly userAgent?: string;
  /** RFC 5626 +sip.instance, used to replace a UA's old binding after restart. */
  readonly instanceId?: string;
  /** RFC 5626 reg-id: with instanceId, names one flow of the UA. */
  readonly regId?: number;
  /** RFC 3327 Path header values, in order, for requests routed to this contact. */
  readonly path?: readonly string[];
  /** Where the REGISTER came from, so requests reach UAs behind NAT. */
  readonly source: RemoteEndpoint;
}

export interface RegistrationRequest {
  readonly aor: string;
  readonly contact: string;
  readonly expiresSeconds: number;
  readonly callId: string;
  readonly cseq: number;
  readonly q?: number;
  readonly userAgent?: string;
  readonly instanceId?: string;
  readonly regId?: number;
  readonly path?: readonly string[];
  readonly source: RemoteEndpoint;
}

export type RegistrationResult =
  | { readonly ok: true; readonly bindings: readonly ContactBinding[]; readonly expiresSeconds: number }
  /** 423 carries the registrar's Min-Expires; 500 is an out-of-order CSeq for a Call-ID; 503, too many contacts for the AOR. */
  | { readonly ok: false; readonly code: 400 | 423 | 500 | 503; readonly reason: string; readonly minExpires?: number };

export interface RegistrationChange {
  readonly aor: string;
  readonly kind: 'added' | 'refreshed' | 'removed' | 'expired';
  readonly binding: ContactBinding;
}

export interface RegistryService {
  register(request: RegistrationRequest): Promise<RegistrationResult>;
  /** Removes one contact, or every binding of the AOR (`Contact: *`) when contact is omitted. */
  unregister(aor: string, contact?: string): Promise<void>;
  /** Live bindings ordered by q, highest first. */
  lookup(aor: string): Promise<readonly ContactBinding[]>;
  list(): Promise<readonly ContactBinding[]>;
  onChange(listener: (change: RegistrationChange) => void): Disposable;
}
