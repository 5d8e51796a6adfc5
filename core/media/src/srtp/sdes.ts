/**
 * SDES key exchange (RFC 4568): `a=crypto:<tag> <suite> inline:<key||salt>[|lifetime][|MKI:len]`.
 * Only the two AES-CM suites SIP phones actually use are accepted.
 */
import { randomBytes } from 'node:crypto';
import { RvoipError } from '@rvoip/contracts';

export type SrtpSuite = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';
export const SRTP_SUITES: readonly SrtpSuite[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];

export const SRTP_MASTER_KEY_LENGTH = 16;
export const SRTP_MASTER_SALT_LENGTH = 14;

export interface SdesCrypto {
  tag: number;
  suite: SrtpSuite;
  masterKey: Buffer;
  masterSalt: Buffer;
  lifetime?: string;
  mki?: string;
  /** Session parameters (UNENCRYPTED_SRTP, KDR=...), kept verbatim. */
  sessionParams?: string;
}

export class SrtpError extends RvoipError {
  constructor(what: string, message: string, details: Record<string, unknown> = {}) {
    super(`RVOIP_ERR_SRTP_${what}`, message, details);
  }
}

export function isSrtpSuite(s: string): s is SrtpSuite {
  return (SRTP_SUITES as readonly string[]).includes(s);
}

/** Parses an `a=crypto` value; returns undefined for suites we do not implement. */
export function parseSdesCrypto(value: string): SdesCrypto | undefined {
  const m = /^\s*(\d{1,9})\s+(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(value);
  if (!m) throw new SrtpError('SDES_PARSE', `a=crypto "${value}" is not "<tag> <suite> <key-params>"`);
  if (!isSrtpSuite(m[2])) return undefined;
  // Several key-params may be listed; the first inline key is the one in use.
  const keyParam = m[3].split(';')[0];
  if (!keyParam.startsWith('inline:')) throw new SrtpError('SDES_PARSE', `a=crypto "${value}": key method must be inline`);
  const [b64, ...extras] = keyParam.slice('inline:'.length).split('|');
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== SRTP_MASTER_KEY_LENGTH + SRTP_MASTER_SALT_LENGTH) {
    throw new SrtpError('SDES_PARSE', `a=crypto "${value}": key||salt is ${raw.length} bytes, expected 30`);
  }
  const crypto: SdesCrypto = {
    tag: Number(m[1]),
    suite: m[2],
    masterKey: raw.subarray(0, SRTP_MASTER_KEY_LENGTH),
    masterSalt: raw.subarray(SRTP_MASTER_KEY_LENGTH),
  };
  for (const extra of extras) {
    if (extra.includes(':')) crypto.mki = extra;
    else crypto.lifetime = extra;
  }
  if (m[4]) crypto.sessionParams = m[4].trim();
  return crypto;
}

export function serializeSdesCrypto(c: SdesCrypto): string {
  const key = Buffer.concat([c.masterKey, c.masterSalt]).toString('base64');
  let out = `${c.tag} ${c.suite} inline:${key}`;
  if (c.lifetime !== undefined) out += `|${c.lifetime}`;
  if (c.mki !== undefined) out += `|${c.mki}`;
  if (c.sessionParams) out += ` ${c.sessionParams}`;
  return out;
}

/** The MKI (RFC 3711 3.1, RFC 4568 6.1 "value:length") as the bytes SRTP packets carry. */
export function mkiBytes(c: SdesCrypto): Buffer | undefined {
  if (c.mki === undefined) return undefined;
  const m = /^(\d+):(\d+)$/.exec(c.mki);
  const len = m ? Number(m[2]) : 0;
  if (!m || len < 1 || len > 128) throw new SrtpError('SDES_MKI', `a=crypto MKI "${c.mki}" is not "<value>:<length 1..128>"`);
  const out = Buffer.alloc(len);
  let v = BigInt(m[1]);
  for (let i = len - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** A fresh random master key and salt for `suite` (RFC 4568 6.1: one per direction). */
export function generateSdesCrypto(suite: SrtpSuite, tag: number): SdesCrypto {
  const raw = randomBytes(SRTP_MASTER_KEY_LENGTH + SRTP_MASTER_SALT_LENGTH);
  return { tag, suite, masterKey: raw.subarray(0, SRTP_MASTER_KEY_LENGTH), masterSalt: raw.subarray(SRTP_MASTER_KEY_LENGTH) };
}
