/**
 * The UAS/registrar/proxy side of SIP digest (RFC 3261 22, RFC 7616, RFC 8760).
 * Challenges carry self-validating nonces (see nonce.ts), so verification needs no
 * per-challenge state; only the nc replay table is kept, and it is bounded.
 */
import type { Logger } from '@rvoip/contracts';
import { silentLogger } from '@rvoip/contracts';
import type { SipRequest } from '../message/message.js';
import type { DigestAlgorithm, DigestBaseAlgorithm, DigestQop } from './algorithms.js';
import { DIGEST_ALGORITHMS, baseAlgorithm, computeHa1, computeHa2, computeUserhash, responseFromHa2 } from './algorithms.js';
import { AuthHeader, parseAuthHeader } from '../message/auth-header.js';
import { DigestError } from './errors.js';
import { NONCE_EXPIRED, NONCE_INVALID, NonceIssuer } from './nonce.js';
import { NonceCountTracker } from './nonce-counts.js';
import type { CheckPolicy, CheckResult } from './server-checks.js';
import { checkScannedCredentials, hexDigestEqual } from './server-checks.js';
import { P_REALM, SCAN_DIGEST, SCAN_INVALID, scanCredentials, valueEquals } from './credentials-scan.js';

/** What the lookup callback may return: the password, or pre-computed HA1 per algorithm. */
export type DigestSecret = string | { ha1: Partial<Record<DigestBaseAlgorithm, string>> };

export type DigestCredentialsLookup = (username: string, realm: string) => Promise<DigestSecret | undefined>;

export interface DigestServerOptions {
  realm: string;
  /** Key for the nonce HMAC; share it between nodes that must accept each other's nonces. */
  secret: string | Buffer;
  lookup: DigestCredentialsLookup;
  /** Offered in this order, one challenge each. Default SHA-256 then MD5. */
  algorithms?: DigestAlgorithm[];
  /** Default ['auth']. An empty list issues RFC 2069 style challenges. */
  qop?: DigestQop[];
  /** Accept credentials without qop (RFC 2069) when the client chose not to send one. Default true. */
  allowLegacy?: boolean;
  /** Nonce lifetime; older nonces with a correct response get stale=true. Default 300 s. */
  nonceTtlMs?: number;
  /**
   * How many of the most recently issued nonces keep their nc replay window (rounded up to a
   * power of two; 16 bytes each). An older nonce gets stale=true and the client moves on to a
   * fresh one. Default 2^20: about 70 s of challenges at 15,000 per second.
   */
  maxTrackedNonces?: number;
  /** Proxy authentication: 407, Proxy-Authenticate, Proxy-Authorization. Default false. */
  proxy?: boolean;
  /** Maps a userhash back to the username; when set, challenges say userhash=true. */
  userhashLookup?: (userhash: string, realm: string, algorithm: DigestAlgorithm) => Promise<string | undefined>;
  /**
   * Require the digest `uri` to name the Request-URI (RFC 7616 3.4.6; 400 otherwise).
   * Default true. SIPp, for one, digests `sip:<remote ip>:<port>` unless run with
   * -auth_uri; turning this off accepts such clients (the response still covers the uri
   * they sent, and nonce expiry plus nc tracking still bound replays).
   */
  checkUri?: boolean;
  /** A wrong password gets 403 ('forbidden', the default) or a fresh challenge. */
  onBadCredentials?: 'forbidden' | 'challenge';
  now?: () => number;
  logger?: Logger;
}

export interface AuthHeaderLine {
  name: string;
  value: string;
}

export type DigestVerdict =
  | { kind: 'ok'; username: string; realm: string; algorithm: DigestAlgorithm; qop?: DigestQop }
  | { kind: 'challenge'; status: 401 | 407; reason: string; stale: boolean; headers: AuthHeaderLine[]; why: string }
  | { kind: 'forbidden'; status: 403; reason: 'Forbidden'; why: string }
  | { kind: 'bad-request'; status: 400; reason: 'Bad Request'; why: string };

const HA1_CACHE_MAX = 100_000;

export class DigestServer {
  readonly realm: string;
  private readonly algorithms: DigestAlgorithm[];
  private readonly qop: DigestQop[];
  private readonly nonces: NonceIssuer;
  private readonly counts: NonceCountTracker;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly log: Logger;
  /** Per algorithm, then per user: no key string built per REGISTER. */
  private readonly ha1Cache = new Map<DigestAlgorithm, Map<string, { password: string; ha1: string }>>();
  private ha1Cached = 0;
  private readonly policy: CheckPolicy;
  // The last HA2 without auth-int: registrars see one Request-URI from every client.
  private ha2Alg: DigestAlgorithm | undefined;
  private ha2Method = '';
  private ha2Uri = '';
  private ha2 = '';
  private freshTemplates: ReadonlyArray<readonly [string, string]> | undefined;
  private staleTemplates: ReadonlyArray<readonly [string, string]> | undefined;

  constructor(private readonly opts: DigestServerOptions) {
    this.realm = opts.realm;
    this.algorithms = opts.algorithms ?? ['SHA-256', 'MD5'];
    this.qop = opts.qop ?? ['auth'];
    this.ttlMs = opts.nonceTtlMs ?? 300_000;
    this.now = opts.now ?? Date.now;
    this.nonces = new NonceIssuer(opts.secret, opts.realm, this.ttlMs, this.now);
    this.counts = new NonceCountTracker(opts.maxTrackedNonces ?? 1 << 20);
    this.log = (opts.logger ?? silentLogger).child({ module: 'sip.auth.server', realm: opts.realm });
    validateOptions(opts, this.algorithms, this.ttlMs);
    this.policy = { algorithms: this.algorithms, qop: this.qop, allowLegacy: opts.allowLegacy ?? true, opaque: this.nonces.opaque() };
  }

  get challengeStatus(): 401 | 407 {
    return this.opts.proxy === true ? 407 : 401;
  }

  get challengeHeaderName(): string {
    return this.opts.proxy === true ? 'Proxy-Authenticate' : 'WWW-Authenticate';
  }

  get credentialsHeaderName(): string {
    return this.opts.proxy === true ? 'Proxy-Authorization' : 'Authorization';
  }

  /** Number of nonces whose nc values are currently remembered. */
  get trackedNonces(): number {
    return this.counts.size;
  }

  /** One header line per offered algorithm, sharing one nonce. */
  challenge(stale = false, why = 'credentials required'): DigestVerdict & { kind: 'challenge' } {
    const nonce = this.nonces.issue(this.counts.nextSeq(), this.counts.issuerId);
    const templates = this.templates(stale);
    const name = this.challengeHeaderName;
    // Sized up front: push would reserve room for 16 lines.
    const headers = new Array<AuthHeaderLine>(templates.length);
    for (let i = 0; i < templates.length; i++) headers[i] = { name, value: templates[i]![0] + nonce + templates[i]![1] };
    const status = this.challengeStatus;
    const reason = status === 401 ? 'Unauthorized' : 'Proxy Authentication Required';
    return { kind: 'challenge', status, reason, stale, headers, why };
  }

  /**
   * Each challenge line is fixed but for the nonce: rendered once through AuthHeader with
   * a marker nonce and split there, so the text is exactly what AuthHeader would write.
   */
  private templates(stale: boolean): ReadonlyArray<readonly [string, string]> {
    const cached = stale ? this.staleTemplates : this.freshTemplates;
    if (cached !== undefined) return cached;
    const marker = '@@rvoip-nonce@@';
    const built = this.algorithms.map((algorithm) => {
      const h = new AuthHeader('Digest')
        .setParam('realm', this.realm, true)
        .setParam('nonce', marker, true)
        .setParam('opaque', this.nonces.opaque(), true)
        .setParam('algorithm', algorithm, false);
      if (this.qop.length > 0) h.setParam('qop', this.qop.join(','), true);
      if (stale) h.setParam('stale', 'TRUE', false);
      if (this.opts.userhashLookup !== undefined) h.setParam('userhash', 'true', false);
      const text = h.toString();
      const at = text.indexOf(`nonce="${marker}"`) + 'nonce="'.length;
      return [text.slice(0, at), text.slice(at + marker.length)] as const;
    });
    if (stale) this.staleTemplates = built;
    else this.freshTemplates = built;
    return built;
  }

  /** Checks the request's credentials for this realm. Never throws on bad input. */
  async verify(request: SipRequest): Promise<DigestVerdict> {
    const creds = this.readCredentials(request);
    if (creds === undefined) return this.challenge(false, 'no Digest credentials for this realm');
    if (creds.kind === 'bad-request') return creds;
    if (creds.kind === 'challenge') return this.challenge(false, creds.why);
    const { algorithm, qop } = creds;

    const nonceState = this.nonces.checkFields(creds.nonce);
    if (nonceState === NONCE_INVALID) return this.challenge(false, 'nonce was not issued by this server');
    // Read now: another verify may check a nonce while this one awaits the lookup.
    const nonceSeq = this.nonces.lastSeq;
    const nonceIssuer = this.nonces.lastIssuer;

    const username = creds.userhash ? await this.resolveUsername(creds.username, algorithm) : creds.username;
    if (username === undefined) return this.rejectCredentials('unknown user');
    const secret = await this.opts.lookup(username, this.realm);
    const ha1 = secret === undefined ? undefined : this.ha1(secret, algorithm, username);
    if (ha1 === undefined) return this.rejectCredentials('unknown user or no HA1 for this algorithm');

    const ha2 = qop === 'auth-int' ? computeHa2(algorithm, request.method, creds.uri, qop, request.body) : this.plainHa2(algorithm, request.method, creds.uri);
    const expected = responseFromHa2(algorithm, ha1, creds.nonce, qop, creds.nc, creds.cnonce, ha2);
    if (!hexDigestEqual(expected, creds.response)) return this.rejectCredentials('response digest does not match');
    // Stale only once the digest is known good: RFC 7616 3.3 says stale=true means the
    // password was right, so the client retries without asking the user.
    if (nonceState === NONCE_EXPIRED) return this.challenge(true, 'nonce expired');
    if (qop !== undefined) {
      const seen = this.counts.record(nonceIssuer, nonceSeq, parseInt(creds.nc ?? '', 16));
      if (seen === 'unknown') return this.challenge(true, 'nonce no longer tracked');
      if (seen === 'replay') {
        this.log.warn({ username, nc: creds.nc }, 'digest nonce-count replayed');
        return { kind: 'forbidden', status: 403, reason: 'Forbidden', why: 'nonce-count replayed' };
      }
    }
    return qop === undefined
      ? { kind: 'ok', username, realm: this.realm, algorithm }
      : { kind: 'ok', username, realm: this.realm, algorithm, qop };
  }

  /** The checked Digest credentials for this realm, or undefined when the request has none. */
  private readCredentials(request: SipRequest): CheckResult | undefined {
    const name = this.credentialsHeaderName;
    const headers = request.headers;
    // count + get answer the usual zero or one line without the arrays getAll builds.
    const lines = headers.count(name);
    if (lines === 0) return undefined;
    if (lines === 1) return this.credentialsIn(headers.get(name)!, name, request);
    for (const line of headers.getAll(name)) {
      const found = this.credentialsIn(line, name, request);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  private credentialsIn(line: string, name: string, request: SipRequest): CheckResult | undefined {
    const scanned = scanCredentials(line);
    if (scanned === SCAN_INVALID) {
      this.logUnparsable(line, name);
      return undefined;
    }
    // Credentials in another scheme or for another realm are someone else's (torture
    // regaut01): they lead to a fresh challenge, not to an error.
    if (scanned !== SCAN_DIGEST || !valueEquals(P_REALM, this.realm)) return undefined;
    return checkScannedCredentials(this.policy, this.opts.checkUri === false ? undefined : request.rawUri);
  }

  /** The scan says only "invalid"; the full parser says why, when someone reads debug logs. */
  private logUnparsable(line: string, name: string): void {
    if (this.log.isLevelEnabled?.('debug') === false) return;
    try {
      parseAuthHeader(line, name);
    } catch (err) {
      this.log.debug({ err }, 'unparsable credentials ignored');
    }
  }

  private plainHa2(alg: DigestAlgorithm, method: string, uri: string): string {
    if (alg !== this.ha2Alg || method !== this.ha2Method || uri !== this.ha2Uri) {
      this.ha2 = computeHa2(alg, method, uri, undefined);
      this.ha2Alg = alg;
      this.ha2Method = method;
      this.ha2Uri = uri;
    }
    return this.ha2;
  }

  private async resolveUsername(sent: string, algorithm: DigestAlgorithm): Promise<string | undefined> {
    if (this.opts.userhashLookup === undefined) return undefined;
    const username = await this.opts.userhashLookup(sent.toLowerCase(), this.realm, algorithm);
    // Confirm the mapping so a faulty lookup cannot authenticate the wrong user.
    if (username === undefined || computeUserhash(algorithm, username, this.realm) !== sent.toLowerCase()) return undefined;
    return username;
  }

  private rejectCredentials(why: string): DigestVerdict {
    if (this.opts.onBadCredentials === 'challenge') return this.challenge(false, why);
    return { kind: 'forbidden', status: 403, reason: 'Forbidden', why };
  }

  /**
   * HA1 from a password is one hash per REGISTER for a value that rarely changes: kept per
   * user and algorithm, and recomputed whenever the looked-up password differs.
   */
  private ha1(secret: DigestSecret, alg: DigestAlgorithm, username: string): string | undefined {
    if (typeof secret !== 'string') return ha1For(secret, alg, username, this.realm);
    let users = this.ha1Cache.get(alg);
    const hit = users?.get(username);
    if (hit !== undefined && hit.password === secret) return hit.ha1;
    const ha1 = ha1For(secret, alg, username, this.realm)!;
    if (this.ha1Cached >= HA1_CACHE_MAX) {
      this.ha1Cache.clear();
      this.ha1Cached = 0;
      users = undefined;
    }
    if (users === undefined) this.ha1Cache.set(alg, (users = new Map()));
    const before = users.size;
    users.set(username, { password: secret, ha1 });
    this.ha1Cached += users.size - before;
    return ha1;
  }

}

function validateOptions(opts: DigestServerOptions, algorithms: readonly DigestAlgorithm[], ttlMs: number): void {
  const fail = (why: string): never => {
    throw new DigestError('RVOIP_ERR_AUTH_CONFIG', `DigestServer for realm "${opts.realm}": ${why}`, { realm: opts.realm });
  };
  if (opts.realm === '') fail('realm is empty');
  if (opts.secret.length === 0) fail('secret is empty; nonces would be forgeable');
  if (algorithms.length === 0) fail('no algorithm offered');
  for (const a of algorithms) if (!DIGEST_ALGORITHMS.includes(a)) fail(`unknown algorithm "${a}"`);
  if (!(ttlMs > 0)) fail(`nonceTtlMs must be positive, got ${ttlMs}`);
}

function ha1For(secret: DigestSecret, alg: DigestAlgorithm, username: string, realm: string): string | undefined {
  if (typeof secret === 'string') return computeHa1(alg, username, realm, secret);
  return secret.ha1[baseAlgorithm(alg)]?.toLowerCase();
}
