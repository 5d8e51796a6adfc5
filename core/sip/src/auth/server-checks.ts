/**
 * Syntactic and policy checks on received Digest credentials, before any hashing:
 * which parameters are present, whether algorithm/qop are ones this server offered,
 * whether the digest-uri names the Request-URI. Split out so the server reads as the
 * protocol decision list and this file as the grammar.
 */
import { timingSafeEqual } from 'node:crypto';
import type { DigestAlgorithm, DigestQop } from './algorithms.js';
import { parseAlgorithm } from './algorithms.js';
import { parseAnyUri } from '../message/uri.js';
import type { AuthHeader } from '../message/auth-header.js';

export interface CheckedParams {
  username: string;
  userhash: boolean;
  nonce: string;
  uri: string;
  response: string;
  nc?: string;
  cnonce?: string;
}

export interface CheckPolicy {
  algorithms: readonly DigestAlgorithm[];
  qop: readonly DigestQop[];
  allowLegacy: boolean;
  opaque: string;
  /** The Request-URI the digest uri must match; undefined skips the check. */
  requestUri: string | undefined;
}

export type CheckResult =
  | { kind: 'usable'; params: CheckedParams; algorithm: DigestAlgorithm; qop?: DigestQop }
  | { kind: 'challenge'; why: string }
  | { kind: 'bad-request'; status: 400; reason: 'Bad Request'; why: string };

const NC = /^[0-9a-fA-F]{8}$/;
const HEX = /^[0-9a-fA-F]+$/;

export function verdictCredentials(creds: AuthHeader, policy: CheckPolicy): CheckResult {
  const p = paramMap(creds);
  for (const name of ['username', 'nonce', 'uri', 'response']) {
    if (!p.has(name)) return bad(`Digest credentials lack the ${name} parameter`);
  }
  const algorithm = parseAlgorithm(p.get('algorithm'));
  if (algorithm === undefined || !policy.algorithms.includes(algorithm)) {
    return { kind: 'challenge', why: `algorithm ${p.get('algorithm') ?? 'MD5'} was not offered` };
  }
  const response = p.get('response')!;
  if (!HEX.test(response)) return bad('Digest response is not hexadecimal');

  const qopToken = p.get('qop')?.toLowerCase();
  let qop: DigestQop | undefined;
  if (qopToken !== undefined) {
    if (qopToken !== 'auth' && qopToken !== 'auth-int') return bad(`unknown qop "${qopToken}"`);
    if (!policy.qop.includes(qopToken)) return { kind: 'challenge', why: `qop ${qopToken} was not offered` };
    qop = qopToken;
    const nc = p.get('nc');
    if (nc === undefined || !NC.test(nc)) return bad('Digest credentials with qop need nc as eight hex digits');
    if (!p.has('cnonce')) return bad('Digest credentials with qop need a cnonce');
  } else if (!policy.allowLegacy) {
    return { kind: 'challenge', why: 'credentials without qop are not accepted' };
  }

  const opaque = p.get('opaque');
  if (opaque !== undefined && opaque !== policy.opaque) return { kind: 'challenge', why: 'opaque does not match' };

  const uri = p.get('uri')!;
  if (policy.requestUri !== undefined && !sameUri(uri, policy.requestUri)) {
    // RFC 7616 3.4.6: a digest-uri naming another resource is a bad request.
    return bad(`Digest uri "${uri}" does not match the Request-URI "${policy.requestUri}"`);
  }
  const params: CheckedParams = {
    username: p.get('username')!,
    userhash: p.get('userhash')?.toLowerCase() === 'true',
    nonce: p.get('nonce')!,
    uri,
    response,
  };
  if (p.has('nc')) params.nc = p.get('nc')!.toLowerCase();
  if (p.has('cnonce')) params.cnonce = p.get('cnonce')!;
  return qop === undefined ? { kind: 'usable', params, algorithm } : { kind: 'usable', params, algorithm, qop };
}

/**
 * The digest-uri is the Request-URI the client sent; a proxy may have re-encoded the
 * Request-URI (escaping, case of scheme and host), so fall back to URI equivalence.
 */
function bad(why: string): CheckResult {
  return { kind: 'bad-request', status: 400, reason: 'Bad Request', why };
}

function sameUri(digestUri: string, requestUri: string): boolean {
  if (digestUri === requestUri) return true;
  try {
    return parseAnyUri(digestUri).equals(parseAnyUri(requestUri));
  } catch {
    return false;
  }
}

/** Lower-cased name -> value; the first occurrence wins, as AuthHeader.param does. */
function paramMap(h: AuthHeader): Map<string, string> {
  const m = new Map<string, string>();
  for (const { name, value } of h.params) if (!m.has(name.toLowerCase())) m.set(name.toLowerCase(), value);
  return m;
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
