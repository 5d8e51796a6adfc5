/**
 * The checks a transaction layer runs before acting on a message: the mandatory
 * headers of RFC 3261 8.1.1 are present once and well-formed. Separate from the parser
 * so that proxies and tests can inspect a message that is missing some of them.
 */
import { SipParseError } from './errors.js';
import type { SipMessage } from './message.js';

/**
 * Throws the SipParseError to answer (400) when Via, From, To, Call-ID or CSeq is
 * missing, repeated or malformed, or when Max-Forwards, Contact or Content-Length is
 * malformed. Max-Forwards may be absent (RFC 2543 peers, RFC 4475 inv2543).
 */
export function validateMessage(msg: SipMessage): void {
  if (msg.vias.length === 0) throw new SipParseError('missing Via header', { details: { header: 'Via' } });
  // Checked, not built: hardly anything reads the From URI (To's is the registrar's AOR).
  msg.from.checkUri();
  void msg.to.uri;
  void msg.callId;
  const cseq = msg.cseq;
  if (msg.isRequest && cseq.method !== msg.method) {
    throw new SipParseError(`CSeq method ${cseq.method} does not match the request method ${msg.method}`);
  }
  void msg.maxForwards;
  void msg.contentLength;
  const contacts = msg.contacts;
  for (let i = 0; i < contacts.length; i++) void contacts[i]!.uri;
}
