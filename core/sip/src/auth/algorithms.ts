/**
 * The digest computations of RFC 7616 section 3.4 with the SIP algorithm names of
 * RFC 8760. Pure functions: both the client and the server call them, so a round trip
 * test exercises one implementation against itself and the RFC vectors pin it down.
 */
import { hash } from 'node:crypto';

export type DigestBaseAlgorithm = 'MD5' | 'SHA-256' | 'SHA-512-256';
export type DigestAlgorithm = DigestBaseAlgorithm | `${DigestBaseAlgorithm}-sess`;
export type DigestQop = 'auth' | 'auth-int';

const NODE_HASH: Readonly<Record<DigestBaseAlgorithm, string>> = {
  MD5: 'md5',
  'SHA-256': 'sha256',
  'SHA-512-256': 'sha512-256',
};

/** RFC 8760 section 2.6: the client prefers the strongest; higher ranks first. */
const STRENGTH: Readonly<Record<DigestBaseAlgorithm, number>> = { 'SHA-512-256': 3, 'SHA-256': 2, MD5: 1 };

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = [
  'SHA-512-256',
  'SHA-512-256-sess',
  'SHA-256',
  'SHA-256-sess',
  'MD5',
  'MD5-sess',
];

/** Maps the token on the wire (case-insensitive) to the algorithm, or undefined if unknown. */
export function parseAlgorithm(token: string | undefined): DigestAlgorithm | undefined {
  // RFC 7616 3.3: an absent algorithm parameter means MD5.
  if (token === undefined) return 'MD5';
  // Nearly every client writes the name as registered: no upper-cased copy for those.
  for (const a of DIGEST_ALGORITHMS) if (a === token) return a;
  const upper = token.toUpperCase();
  return DIGEST_ALGORITHMS.find((a) => a.toUpperCase() === upper);
}

export function baseAlgorithm(alg: DigestAlgorithm): DigestBaseAlgorithm {
  return (alg.endsWith('-sess') ? alg.slice(0, -'-sess'.length) : alg) as DigestBaseAlgorithm;
}

export function isSessionAlgorithm(alg: DigestAlgorithm): boolean {
  return alg.endsWith('-sess');
}

/** Ranks an algorithm for the client's choice; -sess ties with its base and loses the tie. */
export function algorithmStrength(alg: DigestAlgorithm): number {
  return STRENGTH[baseAlgorithm(alg)] * 2 + (isSessionAlgorithm(alg) ? 0 : 1);
}

/** One-shot crypto.hash: about 3x createHash().update().digest() for short inputs. */
export function digestHash(alg: DigestAlgorithm, data: string | Buffer): string {
  return hash(NODE_HASH[baseAlgorithm(alg)], data, 'hex');
}

/** H(username:realm:password): what a credentials store may keep instead of the password. */
export function computeHa1(alg: DigestAlgorithm, username: string, realm: string, password: string): string {
  return digestHash(alg, `${username}:${realm}:${password}`);
}

/** RFC 7616 3.4.4: userhash = H(username:realm). */
export function computeUserhash(alg: DigestAlgorithm, username: string, realm: string): string {
  return digestHash(alg, `${username}:${realm}`);
}

export interface DigestResponseInput {
  algorithm: DigestAlgorithm;
  /** H(username:realm:password) computed with the base algorithm. */
  ha1: string;
  nonce: string;
  method: string;
  uri: string;
  /** Absent for the RFC 2069 legacy form (no qop, no nc, no cnonce). */
  qop?: DigestQop;
  /** Eight lower-case hex digits, as sent. */
  nc?: string;
  cnonce?: string;
  /** The message body, hashed into HA2 for qop=auth-int. */
  body?: Buffer;
}

/** The `response` parameter value (RFC 7616 3.4.1, 3.4.2, 3.4.3). */
export function computeDigestResponse(input: DigestResponseInput): string {
  const { algorithm: alg, method, uri, qop } = input;
  return responseFromHa2(alg, input.ha1, input.nonce, qop, input.nc, input.cnonce, computeHa2(alg, method, uri, qop, input.body));
}

/**
 * HA2 (RFC 7616 3.4.3). Without auth-int it depends on method and uri alone, so a server
 * answering many clients of one Request-URI may keep it.
 */
export function computeHa2(alg: DigestAlgorithm, method: string, uri: string, qop: DigestQop | undefined, body?: Buffer): string {
  return qop === 'auth-int'
    ? digestHash(alg, `${method}:${uri}:${digestHash(alg, body ?? Buffer.alloc(0))}`)
    : digestHash(alg, `${method}:${uri}`);
}

/** The response from HA1 (of the base algorithm) and HA2; -sess derives the session HA1 here. */
export function responseFromHa2(
  alg: DigestAlgorithm,
  ha1: string,
  nonce: string,
  qop: DigestQop | undefined,
  nc: string | undefined,
  cnonce: string | undefined,
  ha2: string,
): string {
  const sessionHa1 = isSessionAlgorithm(alg) ? digestHash(alg, `${ha1}:${nonce}:${cnonce ?? ''}`) : ha1;
  if (qop === undefined) return digestHash(alg, `${sessionHa1}:${nonce}:${ha2}`);
  return digestHash(alg, `${sessionHa1}:${nonce}:${nc ?? ''}:${cnonce ?? ''}:${qop}:${ha2}`);
}

/** nc as eight lower-case hex digits (RFC 7616 3.4: `nc=00000001`). */
export function formatNonceCount(n: number): string {
  return n.toString(16).padStart(8, '0');
}
