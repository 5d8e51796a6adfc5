/**
 * Dialog identifiers (RFC 3261 12): Call-ID, local tag, remote tag. The same dialog is
 * `callId;a;b` at one end and `callId;b;a` at the other, so which side looks decides
 * whether From or To holds the local tag.
 */
import type { SipMessage } from '../message/message.js';

export type DialogRole = 'uac' | 'uas';

export function dialogId(callId: string, localTag: string, remoteTag: string): string {
  return `${callId};${localTag};${remoteTag}`;
}

/**
 * The id as seen by the side whose tag is in To: the receiver of a request, or the
 * sender of a response.
 */
export function dialogIdAtCallee(msg: SipMessage): string {
  return dialogId(msg.callId, msg.to.tag ?? '', msg.from.tag ?? '');
}

/**
 * The id as seen by the side whose tag is in From: the sender of a request, or the
 * receiver of a response.
 */
export function dialogIdAtCaller(msg: SipMessage): string {
  return dialogId(msg.callId, msg.from.tag ?? '', msg.to.tag ?? '');
}
