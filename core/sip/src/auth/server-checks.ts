/**
 * Syntactic and policy checks on received Digest credentials, before any hashing:
 * which parameters are present, whether algorithm/qop are ones this server offered,
 * whether the digest-uri names the Request-URI. Split out so the server reads as the
 * protocol decision list and this file as the grammar. Works on the credentials the
 * last scanCredentials call found (credentials-scan.ts).
 */
import type { DigestAlgorithm, DigestQop } from './algorithms.js';
import { parseAlgorithm } from './algorithms.js';
import { parseAnyUri } from '../message/uri.js';
import {
  P_ALGORITHM,
  P_CNONCE,
  P_NC,
  P_NONCE,
  P_OPAQUE,
  P_QOP,
  P_RESPONSE,
  P_URI,
  P_USERHASH,
  P_USERNAME,
  foldedValueEquals,
  has,
  isHexValue,
  value,
  valueEquals,
  valueLength,
} from './credentials-scan.js';

/** Credentials that passed the checks, with what the server hashes them with. */
export interface UsableCredentials {
  kind: 'usable';
  algorithm: DigestAlgorithm;
  qop: DigestQop | undefined;
  username: string;
  userhash: boolean;
  nonce: string;
  uri: string;
  response: string;
  /** Lower-cased; present whenever the client sent one, with or without qop. */
  nc: string | undefined;
  cnonce: string | undefined;
}

export interface CheckPolicy {
  algorithms: readonly DigestAlgorithm[];
  qop: readonly DigestQop[];
  allowLegacy: boolean;
  opaque: string;
}

export type CheckResult =
  | UsableCredentials
  | { kind: 'challenge'; why: string }
  | { kind: 'bad-request'; status: 400; reason: 'Bad Request'; why: string };

/**
 * Checks the scanned credentials; `requestUri` is the Request-URI the digest uri must
 * match, undefined to skip that check.
 */
export function checkScannedCredentials(policy: CheckPolicy, requestUri: string | undefined): CheckResult {
  if (!has(P_USERNAME)) return lacks('username');
  if (!has(P_NONCE)) return lacks('nonce');
  if (!has(P_URI)) return lacks('uri');
  if (!has(P_RESPONSE)) return lacks('response');
  const algorithm = scannedAlgorithm(policy.algorithms);
  if (algorithm === undefined || !policy.algorithms.includes(algorithm)) {
    return { kind: 'challenge', why: `algorithm ${value(P_ALGORITHM) ?? 'MD5'} was not offered` };
  }
  if (!isHexValue(P_RESPONSE, 1)) return bad('Digest response is not hexadecimal');

  const qopToken = foldedValueEquals(P_QOP, 'auth') ? 'auth' : foldedValueEquals(P_QOP, 'auth-int') ? 'auth-int' : value(P_QOP)?.toLowerCase();
  let qop: DigestQop | undefined;
  if (qopToken !== undefined) {
    if (qopToken !== 'auth' && qopToken !== 'auth-int') return bad(`unknown qop "${qopToken}"`);
    if (!policy.qop.includes(qopToken)) return { kind: 'challenge', why: `qop ${qopToken} was not offered` };
    qop = qopToken;
    if (valueLength(P_NC) !== 8 || !isHexValue(P_NC, 8)) return bad('Digest credentials with qop need nc as eight hex digits');
    if (!has(P_CNONCE)) return bad('Digest credentials with qop need a cnonce');
  } else if (!policy.allowLegacy) {
    return { kind: 'challenge', why: 'credentials without qop are not accepted' };
  }

  if (has(P_OPAQUE) && !valueEquals(P_OPAQUE, policy.opaque)) return { kind: 'challenge', why: 'opaque does not match' };

  const uri = value(P_URI)!;
  if (requestUri !== undefined && !sameUri(uri, requestUri)) {
    // RFC 7616 3.4.6: a digest-uri naming another resource is a bad request.
    return bad(`Digest uri "${uri}" does not match the Request-URI "${requestUri}"`);
  }
  return {
    kind: 'usable',
    algorithm,
    qop,
    username: value(P_USERNAME)!,
    userhash: foldedValueEquals(P_USERHASH, 'true'),
    nonce: value(P_NONCE)!,
    uri,
    response: value(P_RESPONSE)!,
    nc: value(P_NC)?.toLowerCase(),
    cnonce: value(P_CNONCE),
  };
}

/** The algorithm param as parseAlgorithm reads it, compared in place for the offered names. */
function scannedAlgorithm(offered: readonly DigestAlgorithm[]): DigestAlgorithm | undefined {
  if (!has(P_ALGORITHM)) return 'MD5';
  for (const a of offered) if (valueEquals(P_ALGORITHM, a)) return a;
  return parseAlgorithm(value(P_ALGORITHM));
}

function lacks(name: string): CheckResult {
  return bad(`Digest credentials lack the ${name} parameter`);
}

function bad(why: string): CheckResult {
  return { kind: 'bad-request', status: 400, reason: 'Bad Request', why };
}

/**
 * The digest-uri is the Request-URI the client sent; a proxy may have re-encoded the
 * Request-URI (escaping, case of scheme and host), so fall back to URI equivalence.
 */
function sameUri(digestUri: string, requestUri: string): boolean {
  if (digestUri === requestUri) return true;
  try {
    return parseAnyUri(digestUri).equals(parseAnyUri(requestUri));
  } catch {
    return false;
  }
}

/**
 * `expected` (lower-case hex, as digestHash returns it) equals the client's hex
 * `response` in either case, in time that depends only on the length (which is public:
 * the algorithm fixes it). Allocates nothing, unlike Buffer.from + timingSafeEqual.
 * `response` must already be known to be hex: `| 0x20` lower-cases A-F and keeps digits.
 */
export function hexDigestEqual(expected: string, response: string): boolean {
  const n = expected.length;
  if (response.length !== n) return false;
  let diff = 0;
  for (let i = 0; i < n; i++) diff |= expected.charCodeAt(i) ^ (response.charCodeAt(i) | 0x20);
  return diff === 0;
}
