/**
 * Creating dialogs from the messages that establish them: RFC 3261 12.1.1 (UAS) and
 * 12.1.2 (UAC). A dialog exists from the first 101-199 or 2xx that carries a To tag.
 */
import type { SipRequest, SipResponse } from '../message/message.js';
import { SipUri } from '../message/uri.js';
import { Dialog } from './dialog.js';
import { DialogError } from './errors.js';
import { routeSetFrom } from './route-set.js';

/** Responses that create (or confirm) a dialog: 101-299 with a To tag. */
export function createsDialog(response: SipResponse): boolean {
  return response.status > 100 && response.status < 300 && (response.to.tag ?? '') !== '';
}

function isSips(request: SipRequest): boolean {
  try {
    const uri = request.uri;
    return uri instanceof SipUri && uri.scheme === 'sips';
  } catch {
    return false;
  }
}

/**
 * The UAC's dialog for `response` to its `request` (12.1.2): route set is the
 * response's Record-Route reversed, remote target its Contact.
 */
export function createUacDialog(request: SipRequest, response: SipResponse): Dialog {
  if (!createsDialog(response)) {
    throw new DialogError(
      'RVOIP_ERR_DIALOG_BAD_MESSAGE',
      `${response.status} to ${request.method} cannot create a dialog: need 101-299 with a To tag`,
      { status: response.status },
    );
  }
  const localTag = request.from.tag;
  if (localTag === undefined || localTag === '') {
    throw new DialogError('RVOIP_ERR_DIALOG_BAD_MESSAGE', `${request.method} has no From tag; it cannot start a dialog`);
  }
  const contact = response.contacts[0];
  if (contact === undefined && response.status >= 200) {
    throw new DialogError('RVOIP_ERR_DIALOG_BAD_MESSAGE', `${response.status} to ${request.method} lacks the Contact a 2xx must carry`);
  }
  const localContact = request.headers.get('contact');
  return new Dialog({
    role: 'uac',
    callId: request.callId,
    localTag,
    remoteTag: response.to.tag!,
    localAddress: request.headers.get('from')!,
    remoteAddress: response.headers.get('to')!,
    localSeq: request.cseq.seq,
    // A provisional response without Contact leaves the Request-URI as the best target.
    remoteTarget: contact === undefined ? request.rawUri : contact.uri.toString(),
    routeSet: routeSetFrom(response, 'uac'),
    secure: isSips(request),
    state: response.status >= 200 ? 'confirmed' : 'early',
    ...(localContact === undefined ? {} : { localContact }),
  });
}

/**
 * The UAS's dialog for the `response` it sends to `request` (12.1.1): route set is the
 * request's Record-Route in order, remote target its Contact, and the local tag the To
 * tag of the response.
 */
export function createUasDialog(request: SipRequest, response: SipResponse): Dialog {
  if (!createsDialog(response)) {
    throw new DialogError(
      'RVOIP_ERR_DIALOG_BAD_MESSAGE',
      `${response.status} to ${request.method} cannot create a dialog: need 101-299 with a To tag`,
      { status: response.status },
    );
  }
  const contact = request.contacts[0];
  if (contact === undefined) {
    throw new DialogError('RVOIP_ERR_DIALOG_BAD_MESSAGE', `${request.method} lacks a Contact; it cannot create a dialog`);
  }
  const localContact = response.headers.get('contact');
  return new Dialog({
    role: 'uas',
    callId: request.callId,
    localTag: response.to.tag!,
    // RFC 2543 peers send no From tag: the remote tag is then empty (12.1.1).
    remoteTag: request.from.tag ?? '',
    localAddress: response.headers.get('to')!,
    remoteAddress: request.headers.get('from')!,
    remoteSeq: request.cseq.seq,
    remoteTarget: contact.uri.toString(),
    routeSet: routeSetFrom(request, 'uas'),
    secure: isSips(request),
    state: response.status >= 200 ? 'confirmed' : 'early',
    ...(localContact === undefined ? {} : { localContact }),
  });
}
