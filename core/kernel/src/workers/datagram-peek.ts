/**
 * Tells a REGISTER request from anything else by its first bytes, without parsing: a
 * worker thread runs this on every datagram. Leading CRLFs are skipped as the parser does
 * (RFC 3261 7.5); anything that does not start with `REGISTER ` (malformed ones included)
 * goes to the main thread, whose parser answers it per the RFC.
 */
const REGISTER = Buffer.from('REGISTER ', 'latin1');

export function isRegisterDatagram(datagram: Uint8Array): boolean {
  let p = 0;
  while (p < datagram.length && (datagram[p] === 0x0d || datagram[p] === 0x0a)) p++;
  if (datagram.length - p < REGISTER.length) return false;
  for (let i = 0; i < REGISTER.length; i++) if (datagram[p + i] !== REGISTER[i]) return false;
  return true;
}
