/**
 * Branch and tag generation. Branches carry the RFC 3261 magic cookie (8.1.1.7) and
 * enough randomness to be unique across space and time; tags need 32 random bits (19.3).
 *
 * Each id is fresh CSPRNG bytes from a pooled buffer (random-pool.ts) with its last three
 * bytes replaced by a per-process counter: ids of one process never repeat within 2^24
 * ids, and each still carries 40 (tag) or 72 (branch) random bits, so they are neither
 * guessable nor likely to collide with another host's.
 */
import { randomPool, takeRandom } from './random-pool.js';

export const MAGIC_COOKIE = 'z9hG4bK';

let counter = 0;

function id(bytes: number, encoding: 'hex' | 'base64url'): string {
  const at = takeRandom(bytes);
  const pool = randomPool();
  counter = (counter + 1) & 0xffffff;
  pool[at + bytes - 3] = counter >>> 16;
  pool[at + bytes - 2] = (counter >>> 8) & 0xff;
  pool[at + bytes - 1] = counter & 0xff;
  return pool.toString(encoding, at, at + bytes);
}

/** `z9hG4bK` + 16 base64url characters (12 bytes: 72 random bits and a counter). */
export function generateBranch(): string {
  return MAGIC_COOKIE + id(12, 'base64url');
}

/** 16 hex digits (8 bytes: 40 random bits and a counter). */
export function generateTag(): string {
  return id(8, 'hex');
}

/** True when the branch marks an RFC 3261 sender, making it a transaction id (17.2.3). */
export function isRfc3261Branch(branch: string | undefined): branch is string {
  return branch !== undefined && branch.startsWith(MAGIC_COOKIE) && branch.length > MAGIC_COOKIE.length;
}
