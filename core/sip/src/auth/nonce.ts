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
import { hash, timingSafeEqual } from 'node:crypto';
import { fillRandom } from '../transaction/random-pool.js';

const TS_BYTES = 6;
const SEQ_AT = TS_BYTES;
const ISSUER_AT = SEQ_AT + 4;
const SALT_AT = ISSUER_AT + 4;
const SALT_BYTES = 2;
const HEAD_BYTES = SALT_AT + SALT_BYTES;
const MAC_BYTES = 16;
const NONCE_BYTES = HEAD_BYTES + MAC_BYTES;

export type NonceCheck =
  | { valid: true; issuedAt: number; expired: boolean; seq: number; issuer: number }
  | { valid: false };

export class NonceIssuer {
  /** The MAC input: fixed prefix, then the head copied in at `headAt` for each nonce. */
  private readonly macInput: Buffer;
  private readonly headAt: number;
  /** Scratch for issuing: one nonce's bytes before base64url encoding. */
  private readonly scratch = Buffer.alloc(NONCE_BYTES);
  private readonly opaqueValue: string;

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
    out.writeUIntBE(Math.min(0xffff_ffff_ffff, Math.max(0, Math.floor(this.now()))), 0, TS_BYTES);
    out.writeUInt32BE(seq >>> 0, SEQ_AT);
    out.writeUInt32BE(issuer >>> 0, ISSUER_AT);
    fillRandom(out, SALT_AT, SALT_BYTES);
    this.mac(out, 0).copy(out, HEAD_BYTES, 0, MAC_BYTES);
    return out.toString('base64url');
  }

  check(nonce: string): NonceCheck {
    // 32 bytes are 43 base64url characters; anything else cannot be ours.
    if (nonce.length !== 43) return { valid: false };
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== NONCE_BYTES || raw.toString('base64url') !== nonce) return { valid: false };
    if (!timingSafeEqual(raw.subarray(HEAD_BYTES), this.mac(raw, 0).subarray(0, MAC_BYTES))) return { valid: false };
    const issuedAt = raw.readUIntBE(0, TS_BYTES);
    const age = this.now() - issuedAt;
    // A nonce from the future means clock trouble or forgery; treat it as expired.
    return { valid: true, issuedAt, expired: age > this.ttlMs || age < -1000, seq: raw.readUInt32BE(SEQ_AT), issuer: raw.readUInt32BE(ISSUER_AT) };
  }

  /** A stable opaque value: clients must echo it, and a mismatch shows a foreign challenge. */
  opaque(): string {
    return this.opaqueValue;
  }

  private mac(src: Buffer, at: number): Buffer {
    src.copy(this.macInput, this.headAt, at, at + HEAD_BYTES);
    return hash('sha256', this.macInput, 'buffer');
  }
}
