/**
 * Self-validating nonces: timestamp + random salt + HMAC(secret, realm, timestamp, salt).
 * Any server instance that holds the secret can check a nonce and its age without having
 * stored it, so nonces survive restarts and work across a cluster.
 */
import type { KeyObject } from 'node:crypto';
import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';

const TS_BYTES = 8;
const SALT_BYTES = 8;
const MAC_BYTES = 16;

export type NonceCheck =
  | { valid: true; issuedAt: number; expired: boolean }
  | { valid: false };

export class NonceIssuer {
  /** A KeyObject, not a Buffer: createHmac converts a Buffer key on every call (6x slower). */
  private readonly key: KeyObject;
  private readonly opaqueValue: string;

  constructor(
    secret: string | Buffer,
    private readonly realm: string,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {
    this.key = createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
    this.opaqueValue = createHmac('sha256', this.key).update(`opaque:${this.realm}`).digest().subarray(0, 12).toString('base64url');
  }

  issue(): string {
    const head = Buffer.alloc(TS_BYTES + SALT_BYTES);
    head.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(this.now()))), 0);
    randomBytes(SALT_BYTES).copy(head, TS_BYTES);
    return Buffer.concat([head, this.mac(head)]).toString('base64url');
  }

  check(nonce: string): NonceCheck {
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== TS_BYTES + SALT_BYTES + MAC_BYTES || raw.toString('base64url') !== nonce) return { valid: false };
    const head = raw.subarray(0, TS_BYTES + SALT_BYTES);
    if (!timingSafeEqual(raw.subarray(TS_BYTES + SALT_BYTES), this.mac(head))) return { valid: false };
    const issuedAt = Number(head.readBigUInt64BE(0));
    const age = this.now() - issuedAt;
    // A nonce from the future means clock trouble or forgery; treat it as expired.
    return { valid: true, issuedAt, expired: age > this.ttlMs || age < -1000 };
  }

  /** A stable opaque value: clients must echo it, and a mismatch shows a foreign challenge. */
  opaque(): string {
    return this.opaqueValue;
  }

  private mac(head: Buffer): Buffer {
    return createHmac('sha256', this.key).update(this.realm).update('\0').update(head).digest().subarray(0, MAC_BYTES);
  }
}
