/**
 * The UAS core's request inspection, RFC 3261 8.2.1-8.2.3, in the RFC's order: method,
 * Request-URI scheme, Require, then body (Content-Type, Content-Encoding, Accept). A pure
 * function so that a proxy, a registrar and a UA share one set of answers.
 */
import type { SipRequest } from '../message/message.js';
import { SipParseError } from '../message/errors.js';

export interface UasPolicy {
  /** Methods this element implements; others get 405 with Allow (or 501 if unknown to all). */
  allow: readonly string[];
  /** Option tags this element supports (Require check, RFC 3261 8.2.2.3). */
  supported: readonly string[];
  /** Body types accepted in requests (8.2.3); empty bodies are always fine. */
  accept: readonly string[];
  /** Content-Encodings accepted; identity is implied. */
  acceptEncoding?: readonly string[];
  /** Body type this element answers with (INVITE/UPDATE/PRACK): 406 when Accept excludes it. */
  answersWith?: string;
}

export interface UasRejection {
  status: number;
  reason?: string;
  headers: Array<[string, string]>;
}

/** Methods RFC 3261 and its common extensions define; anything else answers 501. */
const KNOWN_METHODS = new Set([
  'INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'SUBSCRIBE', 'NOTIFY',
  'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE',
]);

/** Methods whose body describes a session the UAS answers with a body of its own. */
const OFFER_METHODS = new Set(['INVITE', 'UPDATE', 'PRACK']);

export function checkRequest(req: SipRequest, policy: UasPolicy): UasRejection | undefined {
  const method = req.method;
  if (!policy.allow.includes(method)) {
    const status = KNOWN_METHODS.has(method) ? 405 : 501;
    return { status, headers: [['Allow', policy.allow.join(', ')]] };
  }
  try {
    void req.uri;
  } catch (err) {
    if (err instanceof SipParseError) return { status: err.status || 400, reason: err.reason, headers: [] };
    throw err;
  }
  if (method !== 'ACK' && method !== 'CANCEL') {
    const unsupported = req.require.filter((tag) => !policy.supported.includes(tag.toLowerCase()));
    if (unsupported.length > 0) return { status: 420, headers: [['Unsupported', unsupported.join(', ')]] };
  }
  if (req.body.length > 0 && method !== 'ACK') {
    const type = req.contentType;
    if (type === undefined || !policy.accept.includes(type)) {
      return { status: 415, headers: [['Accept', policy.accept.join(', ')]] };
    }
    const encoding = req.headers.get('content-encoding');
    if (encoding !== undefined) {
      const allowed = policy.acceptEncoding ?? [];
      const bad = encoding.split(',').map((e) => e.trim().toLowerCase()).filter((e) => e !== 'identity' && !allowed.includes(e));
      if (bad.length > 0) return { status: 415, headers: [['Accept-Encoding', ['identity', ...allowed].join(', ')]] };
    }
  }
  if (policy.answersWith !== undefined && OFFER_METHODS.has(method) && !accepts(req, policy.answersWith)) {
    return {
      status: 406,
      headers: [['Warning', `399 rvoip "Accept does not list ${policy.answersWith}, the only body this UAS answers with"`]],
    };
  }
  return undefined;
}

/** 8.2.3 / 20.1: an absent Accept means application/sdp; wildcards match. */
function accepts(req: SipRequest, type: string): boolean {
  const lines = req.headers.getAll('accept');
  if (lines.length === 0) return true;
  const [major] = type.split('/');
  const ranges = lines.flatMap((l) => l.split(',')).map((r) => r.split(';')[0]!.trim().toLowerCase()).filter((r) => r !== '');
  // 20.1: a present but empty Accept means no body format is acceptable.
  if (ranges.length === 0) return false;
  return ranges.some((r) => r === type || r === '*/*' || r === `${major}/*`);
}
