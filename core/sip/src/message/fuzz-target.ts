/**
 * Fuzzing entry point: any input either parses or fails with a SipParseError (never a
 * bug surfacing as TypeError/RangeError), every typed accessor obeys the same rule, and
 * a parsed message serializes to bytes that parse again and serialize identically.
 */
import { SipParseError } from './errors.js';
import type { SipMessage } from './message.js';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serializer.js';
import { StreamFramer } from './stream-framer.js';

/** Thrown when the parser breaks its contract; anything else thrown is a bug too. */
export class FuzzContractError extends Error {}

function expected(e: unknown): boolean {
  return e instanceof SipParseError && e.details.internal !== true;
}

/** Reads every typed accessor; each may fail only with a SipParseError. */
function touchAll(msg: SipMessage): void {
  const reads: Array<() => unknown> = [
    () => msg.vias.map((v) => [v.branch, v.rport, v.ttl, v.toString()]),
    () => msg.topVia?.toString(),
    () => [msg.from.tag, msg.from.uri.toString(), msg.from.toString()],
    () => [msg.to.tag, msg.to.uri.toString()],
    () => msg.callId,
    () => msg.cseq,
    () => msg.contacts.map((c) => [c.uri.toString(), [...c.params]]),
    () => msg.recordRoutes.map((r) => r.uri.toString()),
    () => msg.routes.map((r) => r.uri.toString()),
    () => [msg.maxForwards, msg.expires, msg.contentLength, msg.contentType],
    () => [msg.require, msg.supported, msg.allow, msg.unsupported, msg.proxyRequire],
    () => [msg.authorization, msg.proxyAuthorization, msg.wwwAuthenticate, msg.proxyAuthenticate],
    () => [msg.event, msg.subscriptionState, msg.replaces, msg.rseq, msg.rack],
    () => [msg.referTo?.uri, msg.referredBy?.uri, msg.sessionExpires, msg.minSE, msg.reasons, msg.retryAfter],
    () => (msg.isRequest ? msg.uri.toString() : msg.status),
  ];
  for (const read of reads) {
    try {
      read();
    } catch (e) {
      if (!expected(e)) throw e;
    }
  }
}

export function fuzzParse(buf: Buffer): void {
  let msg: SipMessage;
  try {
    msg = parseMessage(buf);
  } catch (e) {
    if (expected(e)) return;
    throw e;
  }
  touchAll(msg);
  const once = serializeMessage(msg);
  let again: SipMessage;
  try {
    again = parseMessage(once);
  } catch (e) {
    throw new FuzzContractError(`serialized message no longer parses: ${(e as Error).message}`);
  }
  const twice = serializeMessage(again);
  if (!twice.equals(once)) throw new FuzzContractError('second serialization differs from the first');
  if (!again.body.equals(msg.body)) throw new FuzzContractError('body changed across a round trip');
}

/** The same input through the stream framer, split at `cut`: only framing events, no throw. */
export function fuzzStream(buf: Buffer, cut: number): void {
  const framer = new StreamFramer();
  const at = Math.max(0, Math.min(buf.length, cut));
  for (const part of [buf.subarray(0, at), buf.subarray(at)]) {
    for (const ev of framer.push(part)) {
      if (ev.type === 'message') touchAll(ev.message);
      if ((ev.type === 'invalid' || ev.type === 'fatal') && !expected(ev.error)) throw ev.error;
    }
  }
}
