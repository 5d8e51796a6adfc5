/**
 * Cheap random bytes for identifiers. `crypto.randomBytes(8)` per tag costs a native call
 * and a Buffer each; refilling one pooled buffer with `randomFillSync` every few hundred
 * ids costs the same CSPRNG output with neither. Bytes are handed out once and never reused.
 */
import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 8192;
const pool = Buffer.allocUnsafeSlow(POOL_SIZE);
let pos = POOL_SIZE;

/** Reserves n fresh random bytes in the pool and returns their offset (valid until the next call). */
export function takeRandom(n: number): number {
  if (pos + n > POOL_SIZE) {
    randomFillSync(pool);
    pos = 0;
  }
  const at = pos;
  pos += n;
  return at;
}

/** The pool itself, for reading what `takeRandom` reserved. */
export function randomPool(): Buffer {
  return pool;
}

/** Copies n fresh random bytes into target at offset. */
export function fillRandom(target: Buffer, offset: number, n: number): void {
  const at = takeRandom(n);
  pool.copy(target, offset, at, at + n);
}
