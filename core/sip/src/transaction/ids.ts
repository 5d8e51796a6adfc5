/**
 * Branch and tag generation. Branches carry the RFC 3261 magic cookie (8.1.1.7) and
 * enough randomness to be unique across space and time; tags need 32 random bits (19.3).
 */
import { randomBytes } from 'node:crypto';

export const MAGIC_COOKIE = 'z9hG4bK';

export function generateBranch(): string {
  return MAGIC_COOKIE + randomBytes(12).toString('base64url');
}

export function generateTag(): string {
  return randomBytes(8).toString('hex');
}

/** True when the branch marks an RFC 3261 sender, making it a transaction id (17.2.3). */
export function isRfc3261Branch(branch: string | undefined): branch is string {
  return branch !== undefined && branch.startsWith(MAGIC_COOKIE) && branch.length > MAGIC_COOKIE.length;
}
