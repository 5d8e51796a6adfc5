/**
 * The few message facts matching needs, read in one place: tags (from the raw To/From
 * text, so matching never depends on full name-addr parsing), branch and sent-by.
 */
import type { SipMessage } from '../message/message.js';
import type { Via } from '../message/via.js';

/** The `tag` parameter of a From/To header value, or undefined. */
export function tagOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // Parameters after a bracketed URI belong to the header; without brackets, all do (20.10).
  const gt = value.lastIndexOf('>');
  const params = gt >= 0 ? value.slice(gt + 1) : value;
  const m = /;\s*tag\s*=\s*([^;\s,]+)/i.exec(params);
  return m ? m[1] : undefined;
}

export function toTagOf(msg: SipMessage): string | undefined {
  return tagOf(msg.headers.get('to'));
}

export function fromTagOf(msg: SipMessage): string | undefined {
  return tagOf(msg.headers.get('from'));
}

export function branchOf(via: Via | undefined): string | undefined {
  const branch = via?.branch;
  return branch === undefined || branch === '' ? undefined : branch;
}

/** `host:port` of a Via, the port defaulted per transport (5061 for TLS) so forms compare equal. */
export function sentByOf(via: Via): string {
  const transport = via.transport.toUpperCase();
  const port = via.port ?? (transport === 'TLS' ? 5061 : 5060);
  return `${via.host.toLowerCase()}:${port}`;
}

/** A comparable rendering of the whole top Via for RFC 2543 matching (17.2.3). */
export function viaIdentity(via: Via): string {
  return `${via.transport.toUpperCase()} ${sentByOf(via)} ${via.branch ?? ''}`;
}
