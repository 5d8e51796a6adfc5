/**
 * Self-validating nonces: timestamp (48-bit ms) + sequence number + issuer id + random
 * salt, and a MAC over them (secret, realm, head). The sequence number and issuer id are
 * what NonceCountTracker keys its replay window on.
 * Any server instance that holds the secret can check a nonce and its age without having
 * stored it, so nonces survive restarts and work across a cluster (or the worker
 * processes of one host sharing the secret).
 *
 * The MAC is SHA-256 over `len(secret) | secret | realm | 0 | timestamp | salt`, truncated
 * to 128 bits: one one-shot hash instead of HMAC's two plus an object. A secret-prefix
 * hash is forgeable only by length extension, which needs the full digest and a longer
 * input; here the digest is truncated and the input length is fixed (a nonce of any other
 * length is refused before the MAC is checked).
 */
import { hash } from 'node:crypto';
import { randomPool, takeRandom } from '../transaction/random-pool.js';

const TS_BYTES = 6;
const SEQ_AT = TS_BYTES;
const ISSUER_AT = SEQ_AT + 4;
const SALT_AT = ISSUER_AT + 4;
const SALT_BYTES = 2;
const HEAD_BYTES = SALT_AT + SALT_BYTES;
const MAC_BYTES = 16;
const NONCE_BYTES = HEAD_BYTES + MAC_BYTES;

/** checkFields results. */
export const NONCE_INVALID = 0;
export const NONCE_FRESH = 1;
export const NONCE_EXPIRED = 2;

/** base64url character -> its 6 bits, 255 for anything else (Buffer's decoder is lenient). */
const B64URL = new Uint8Array(128).fill(255);
for (let v = 0; v < 64; v++) B64URL['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(v)] = v;

export type NonceCheck =
  | { valid: true; issuedAt: number; expired: boolean; seq: number; issuer: number }
  | { valid: false };

export class NonceIssuer {
  /** The MAC input: fixed prefix, then the head copied in at `headAt` for each nonce. */
  private readonly macInput: Buffer;
  private readonly headAt: number;
  /** Scratch for issuing: one nonce's bytes before base64url encoding. */
  private readonly scratch = Buffer.alloc(NONCE_BYTES);
  /** Scratch for checking: the decoded nonce. */
  private readonly raw = Buffer.alloc(NONCE_BYTES);
  private readonly opaqueValue: string;
  /** What the last successful checkFields saw; read before anything else checks a nonce. */
  lastIssuedAt = 0;
  lastSeq = 0;
  lastIssuer = 0;

  constructor(
    secret: string | Buffer,
    realm: string,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {
    const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(key.length, 0);
    const prefix = Buffer.concat([len, key, Buffer.from(realm, 'utf8'), Buffer.from([0])]);
    this.headAt = prefix.length;
    this.macInput = Buffer.concat([prefix, Buffer.alloc(HEAD_BYTES)]);
    this.opaqueValue = hash('sha256', Buffer.concat([prefix, Buffer.from('opaque', 'utf8')]), 'buffer').subarray(0, 12).toString('base64url');
  }

  /** A nonce for sequence number `seq` of tracker `issuer` (NonceCountTracker). */
  issue(seq = 0, issuer = 0): string {
    const out = this.scratch;
    const ts = Math.min(0xffff_ffff_ffff, Math.max(0, Math.floor(this.now())));
    // Byte by byte: Buffer's write*/read* methods validate their arguments on every call.
    putUint32(out, 0, Math.floor(ts / 0x1_0000));
    out[4] = (ts >>> 8) & 0xff;
    out[5] = ts & 0xff;
    putUint32(out, SEQ_AT, seq >>> 0);
    putUint32(out, ISSUER_AT, issuer >>> 0);
    const at = takeRandom(SALT_BYTES);
    const pool = randomPool();
    for (let k = 0; k < SALT_BYTES; k++) out[SALT_AT + k] = pool[at + k]!;
    const mac = this.mac(out);
    for (let k = 0; k < MAC_BYTES; k++) out[HEAD_BYTES + k] = mac.charCodeAt(k);
    const b = out as Base64urlSliceable;
    return b.base64urlSlice !== undefined ? b.base64urlSlice(0, NONCE_BYTES) : out.toString('base64url');
  }

  check(nonce: string): NonceCheck {
    const state = this.checkFields(nonce);
    if (state === NONCE_INVALID) return { valid: false };
    return { valid: true, issuedAt: this.lastIssuedAt, expired: state === NONCE_EXPIRED, seq: this.lastSeq, issuer: this.lastIssuer };
  }

  /**
   * check() without the result object: NONCE_INVALID, NONCE_FRESH or NONCE_EXPIRED, and
   * for the last two the nonce's fields in lastIssuedAt / lastSeq / lastIssuer.
   */
  checkFields(nonce: string): number {
    // 32 bytes are 43 base64url characters; anything else cannot be ours.
    if (nonce.length !== 43 || !this.decode(nonce)) return NONCE_INVALID;
    const raw = this.raw;
    const mac = this.mac(raw);
    // Constant time: every byte is compared whatever the first difference.
    let diff = 0;
    for (let k = 0; k < MAC_BYTES; k++) diff |= raw[HEAD_BYTES + k]! ^ mac.charCodeAt(k);
    if (diff !== 0) return NONCE_INVALID;
    const issuedAt = getUint32(raw, 0) * 0x1_0000 + raw[4]! * 0x100 + raw[5]!;
    this.lastIssuedAt = issuedAt;
    this.lastSeq = getUint32(raw, SEQ_AT);
    this.lastIssuer = getUint32(raw, ISSUER_AT);
    const age = this.now() - issuedAt;
    // A nonce from the future means clock trouble or forgery; treat it as expired.
    return age > this.ttlMs || age < -1000 ? NONCE_EXPIRED : NONCE_FRESH;
  }

  /** A stable opaque value: clients must echo it, and a mismatch shows a foreign challenge. */
  opaque(): string {
    return this.opaqueValue;
  }

  /**
   * Decodes the 43 characters into `raw`, refusing what issue() cannot have produced:
   * characters outside the base64url alphabet, and set bits past the 256th (the last
   * character carries 4 bits and 2 zero bits). That is exactly the set of strings that
   * Buffer.from(s, 'base64url') decodes to 32 bytes and re-encodes unchanged.
   */
  private decode(nonce: string): boolean {
    const raw = this.raw;
    let o = 0;
    let i = 0;
    // Ten groups of four characters make 30 bytes; three characters make the last two.
    for (; i < 40; i += 4) {
      const a = sextet(nonce, i);
      const b = sextet(nonce, i + 1);
      const c = sextet(nonce, i + 2);
      const d = sextet(nonce, i + 3);
      if ((a | b | c | d) > 63) return false;
      raw[o++] = (a << 2) | (b >> 4);
      raw[o++] = ((b & 15) << 4) | (c >> 2);
      raw[o++] = ((c & 3) << 6) | d;
    }
    const a = sextet(nonce, 40);
    const b = sextet(nonce, 41);
    const c = sextet(nonce, 42);
    if ((a | b | c) > 63 || (c & 3) !== 0) return false;
    raw[o++] = (a << 2) | (b >> 4);
    raw[o] = ((b & 15) << 4) | (c >> 2);
    return true;
  }

  /**
   * The MAC of the head at the start of `src`, one byte per character: a 'buffer' result
   * from crypto.hash costs about twice a string one (a backing store per call).
   */
  private mac(src: Buffer): string {
    const input = this.macInput;
    const at = this.headAt;
    for (let k = 0; k < HEAD_BYTES; k++) input[at + k] = src[k]!;
    return hash('sha256', input, 'binary');
  }
}

/** Buffer#base64urlSlice skips toString's argument juggling; toString is the fallback. */
type Base64urlSliceable = { base64urlSlice?: (start: number, end: number) => string };

function putUint32(b: Buffer, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

function getUint32(b: Buffer, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function sextet(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? B64URL[c]! : 255;
}
