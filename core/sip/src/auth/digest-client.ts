/**
 * The UAC side of SIP digest (RFC 3261 22.2/22.3, RFC 7616, RFC 8760). Given the
 * request that was challenged and the 401/407, it answers every realm it can with the
 * strongest offered algorithm, keeps nc per nonce for follow-up requests, retries
 * stale challenges silently, and refuses when the server rejects the same credentials.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '@rvoip/contracts';
import { silentLogger } from '@rvoip/contracts';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { DigestAlgorithm, DigestQop } from './algorithms.js';
import {
  algorithmStrength,
  computeDigestResponse,
  computeHa1,
  computeUserhash,
  formatNonceCount,
  parseAlgorithm,
} from './algorithms.js';
import { AuthHeader, parseAuthHeader } from '../message/auth-header.js';
import { DigestError } from './errors.js';

export interface DigestCredentials {
  username: string;
  password: string;
  /** Answer only challenges for this realm; any realm when absent. */
  realm?: string;
}

export interface DigestClientOptions {
  /** Send userhash when the server offers it. Default true. */
  userhash?: boolean;
  /** Consecutive stale=true challenges answered per realm before giving up. Default 3. */
  maxStaleRetries?: number;
  /** cnonce source; tests pin it. Default 16 random bytes in hex. */
  cnonce?: () => string;
  logger?: Logger;
}

export type AuthorizationHeaderName = 'Authorization' | 'Proxy-Authorization';

export interface AuthorizationLine {
  name: AuthorizationHeaderName;
  value: string;
  realm: string;
}

interface Challenge {
  header: AuthorizationHeaderName;
  realm: string;
  algorithm: DigestAlgorithm;
  nonce: string;
  opaque?: string;
  qop?: DigestQop;
  stale: boolean;
  userhash: boolean;
}

interface RealmSession {
  challenge: Challenge;
  cnonce: string;
  nc: number;
  staleRetries: number;
}

const PAIRS: ReadonlyArray<[string, AuthorizationHeaderName]> = [
  ['WWW-Authenticate', 'Authorization'],
  ['Proxy-Authenticate', 'Proxy-Authorization'],
];

export class DigestClient {
  private readonly sessions = new Map<string, RealmSession>();
  private readonly makeCnonce: () => string;
  private readonly log: Logger;

  constructor(
    private readonly credentials: DigestCredentials,
    private readonly opts: DigestClientOptions = {},
  ) {
    this.makeCnonce = opts.cnonce ?? (() => randomBytes(16).toString('hex'));
    this.log = (opts.logger ?? silentLogger).child({ module: 'sip.auth.client' });
  }

  /**
   * Credentials for resending `request` after `response` challenged it. Throws
   * DigestError: NOT_A_CHALLENGE, NO_USABLE_CHALLENGE, CREDENTIALS_REJECTED, STALE_LOOP.
   */
  authorize(request: SipRequest, response: SipResponse): AuthorizationLine[] {
    if (response.status !== 401 && response.status !== 407) {
      throw new DigestError('RVOIP_ERR_AUTH_NOT_A_CHALLENGE', `response ${response.status} to ${request.method} is not a 401/407`, {
        status: response.status,
      });
    }
    const chosen = this.chooseChallenges(response);
    if (chosen.length === 0) {
      throw new DigestError(
        'RVOIP_ERR_AUTH_NO_USABLE_CHALLENGE',
        `${response.status} to ${request.method} offers no Digest challenge rvoip can answer` +
          (this.credentials.realm === undefined ? '' : ` for realm "${this.credentials.realm}"`),
        { status: response.status },
      );
    }
    const lines: AuthorizationLine[] = [];
    for (const challenge of chosen) {
      const key = sessionKey(challenge.header, challenge.realm);
      const previous = this.sessions.get(key);
      const carried = this.carriedCredentials(request, challenge.header, challenge.realm);
      // Credentials sent pre-emptively on a cached nonce (nc > 1) that meet a plain
      // challenge only show the nonce was forgotten, as with stale=true; credentials
      // sent right after a challenge (nc = 1, or no qop) meeting one were refused.
      const reusedNonce = carried !== undefined && parseInt(carried.param('nc') ?? '1', 16) > 1;
      const answered = carried !== undefined;
      const staleLike = challenge.stale || reusedNonce;
      let staleRetries = 0;
      if (answered && !staleLike) {
        this.sessions.delete(key);
        throw new DigestError(
          'RVOIP_ERR_AUTH_CREDENTIALS_REJECTED',
          `realm "${challenge.realm}" challenged ${request.method} again without stale=true: the credentials for "${this.credentials.username}" were rejected`,
          { realm: challenge.realm, status: response.status },
        );
      }
      if (answered && staleLike) {
        // Only back-to-back stale answers count: credentials that were the direct retry
        // of the previous challenge (its nonce, nc 1). A nonce that served follow-ups
        // and then expired starts the count afresh.
        const directRetry = !reusedNonce && previous !== undefined && carried.param('nonce') === previous.challenge.nonce;
        staleRetries = directRetry ? previous.staleRetries + 1 : 1;
        const max = this.opts.maxStaleRetries ?? 3;
        if (staleRetries > max) {
          this.sessions.delete(key);
          throw new DigestError('RVOIP_ERR_AUTH_STALE_LOOP', `realm "${challenge.realm}" answered stale=true ${staleRetries} times in a row`, {
            realm: challenge.realm,
          });
        }
      }
      this.log.debug({ realm: challenge.realm, algorithm: challenge.algorithm, stale: challenge.stale }, 'answering digest challenge');
      this.sessions.set(key, { challenge, cnonce: this.makeCnonce(), nc: 0, staleRetries });
      lines.push(this.line(key, request));
    }
    return lines;
  }

  /**
   * Pre-emptive credentials for a new request to realms already challenged, with the
   * next nc on the cached nonce (RFC 7616 3.4.5). Empty when nothing is cached.
   */
  authorizeFollowUp(request: SipRequest): AuthorizationLine[] {
    return [...this.sessions.keys()].map((key) => this.line(key, request));
  }

  /** Drops cached nonces, e.g. after the registration they served has ended. */
  reset(): void {
    this.sessions.clear();
  }

  private line(key: string, request: SipRequest): AuthorizationLine {
    const session = this.sessions.get(key)!;
    const c = session.challenge;
    const { username, password } = this.credentials;
    session.nc++;
    const nc = formatNonceCount(session.nc);
    const response = computeDigestResponse({
      algorithm: c.algorithm,
      ha1: computeHa1(c.algorithm, username, c.realm, password),
      nonce: c.nonce,
      method: request.method,
      uri: request.rawUri,
      qop: c.qop,
      nc,
      cnonce: session.cnonce,
      body: request.body,
    });
    const useHash = c.userhash && this.opts.userhash !== false;
    const h = new AuthHeader('Digest')
      .setParam('username', useHash ? computeUserhash(c.algorithm, username, c.realm) : username, true)
      .setParam('realm', c.realm, true)
      .setParam('nonce', c.nonce, true)
      .setParam('uri', request.rawUri, true)
      .setParam('response', response, true)
      .setParam('algorithm', c.algorithm, false);
    // -sess needs the cnonce even without qop, since it enters HA1.
    if (c.qop !== undefined || c.algorithm.endsWith('-sess')) h.setParam('cnonce', session.cnonce, true);
    if (c.opaque !== undefined) h.setParam('opaque', c.opaque, true);
    if (c.qop !== undefined) h.setParam('qop', c.qop, false).setParam('nc', nc, false);
    if (useHash) h.setParam('userhash', 'true', false);
    return { name: c.header, value: h.toString(), realm: c.realm };
  }

  /** Per (header, realm) the strongest usable challenge (RFC 8760 section 2.6). */
  private chooseChallenges(response: SipResponse): Challenge[] {
    const best = new Map<string, Challenge>();
    for (const [challengeHeader, header] of PAIRS) {
      for (const line of response.headers.getAll(challengeHeader)) {
        const c = toChallenge(parseOrUndefined(line, challengeHeader), header);
        if (c === undefined) continue;
        if (this.credentials.realm !== undefined && c.realm !== this.credentials.realm) continue;
        const key = sessionKey(header, c.realm);
        const current = best.get(key);
        if (current === undefined || algorithmStrength(c.algorithm) > algorithmStrength(current.algorithm)) best.set(key, c);
      }
    }
    return [...best.values()];
  }

  /** The Digest credentials for `realm` the challenged request carried, if any. */
  private carriedCredentials(request: SipRequest, header: AuthorizationHeaderName, realm: string): AuthHeader | undefined {
    for (const line of request.headers.getAll(header)) {
      const v = parseOrUndefined(line, header);
      if (v !== undefined && v.isDigest && v.param('realm') === realm) return v;
    }
    return undefined;
  }
}

/** Replaces the request's credentials for the answered realms by the new lines. */
export function applyAuthorization(request: SipRequest, lines: readonly AuthorizationLine[]): void {
  for (const name of new Set(lines.map((l) => l.name))) {
    const realms = new Set(lines.filter((l) => l.name === name).map((l) => l.realm));
    const keep = request.headers.getAll(name).filter((value) => {
      const v = parseOrUndefined(value, name);
      return v !== undefined && !(v.isDigest && realms.has(v.param('realm') ?? ''));
    });
    request.removeHeader(name);
    for (const value of keep) request.appendHeader(name, value);
  }
  for (const l of lines) request.appendHeader(l.name, l.value);
}

/** A header line we cannot parse is someone else's problem: skip it, never throw. */
function parseOrUndefined(line: string, header: string): AuthHeader | undefined {
  try {
    return parseAuthHeader(line, header);
  } catch {
    return undefined;
  }
}

function toChallenge(v: AuthHeader | undefined, header: AuthorizationHeaderName): Challenge | undefined {
  if (v === undefined || !v.isDigest) return undefined;
  const realm = v.param('realm');
  const nonce = v.param('nonce');
  const algorithm = parseAlgorithm(v.param('algorithm'));
  if (realm === undefined || nonce === undefined || algorithm === undefined) return undefined;
  let qop: DigestQop | undefined;
  const qopParam = v.param('qop');
  if (qopParam !== undefined) {
    const offered = qopParam.split(',').map((q) => q.trim().toLowerCase());
    // auth-int would need the final body hashed into every retry; auth is what SIP uses.
    if (offered.includes('auth')) qop = 'auth';
    else if (offered.includes('auth-int')) qop = 'auth-int';
    else return undefined;
  }
  const c: Challenge = {
    header,
    realm,
    algorithm,
    nonce,
    stale: v.param('stale')?.toLowerCase() === 'true',
    userhash: v.param('userhash')?.toLowerCase() === 'true',
  };
  if (qop !== undefined) c.qop = qop;
  const opaque = v.param('opaque');
  if (opaque !== undefined) c.opaque = opaque;
  return c;
}

function sessionKey(header: AuthorizationHeaderName, realm: string): string {
  return `${header}\n${realm}`;
}
