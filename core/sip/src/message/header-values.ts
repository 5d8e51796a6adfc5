/**
 * Parsers turning the raw lines of one header (as SipHeaders.getAll returns them) into
 * typed values. Each throws SipHeaderError (status 400) on a grammar error, a missing
 * mandatory header or a repeated single-value header. Extension headers live in
 * ext-headers.ts and auth-header.ts and are re-exported here.
 */
import { SipHeaderError } from './errors.js';
import type { NameAddr } from './name-addr.js';
import { parseNameAddr, parseNameAddrs } from './name-addr.js';
import type { Via } from './via.js';
import { parseVias } from './via.js';
import { isTokenChar, methodName, parseDigits, scanToken, single, skipWs, trimWs } from './lex.js';

export { single, scanDelta } from './lex.js';

export * from './ext-headers.js';
export * from './auth-header.js';

export interface CSeq {
  seq: number;
  method: string;
}

/** Largest CSeq number accepted (RFC 3261 8.1.1.5 says < 2^31 for new requests; 2^32-1 is tolerated). */
export const MAX_CSEQ = 0xffffffff;

export function parseViaList(lines: readonly string[]): Via[] {
  const out: Via[] = [];
  for (const line of lines) parseVias(line, out);
  return out;
}

export function parseNameAddrHeader(name: string, lines: readonly string[]): NameAddr {
  return parseNameAddr(single(name, lines), name);
}

export function parseNameAddrList(lines: readonly string[], name = 'Contact'): NameAddr[] {
  const out: NameAddr[] = [];
  for (const line of lines) parseNameAddrs(line, name, out);
  return out;
}

/** CSeq: 1*DIGIT LWS Method. Numbers above 2^32-1 are rejected (RFC 4475 scalar02). */
export function parseCSeq(lines: readonly string[]): CSeq {
  const s = single('CSeq', lines);
  return parseCSeqIn(s, 0, s.length);
}

/** parseCSeq of the value s[from, end) (in place inside the message text). */
export function parseCSeqIn(s: string, from: number, end: number): CSeq {
  let i = skipWs(s, from, end);
  const ds = i;
  let seq = 0;
  for (; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    seq = seq * 10 + d;
    if (seq > MAX_CSEQ) throw new SipHeaderError(`CSeq: sequence number above 2^32-1 in "${s.slice(from, end)}"`, 'CSeq');
  }
  if (i === ds) throw new SipHeaderError(`CSeq: bad sequence number in "${s.slice(from, end)}"`, 'CSeq');
  const ms = skipWs(s, i, end);
  const me = scanToken(s, ms, end);
  if (ms === i || me === ms || skipWs(s, me, end) !== end) {
    throw new SipHeaderError(`CSeq: expected "<number> <method>" in "${s.slice(from, end)}"`, 'CSeq');
  }
  return { seq, method: methodName(s, ms, me) };
}

/** Comma-separated tokens (Require, Supported, Allow, Unsupported...); empty elements skipped. */
export function parseTokenList(lines: readonly string[], name = 'token list'): string[] {
  const out: string[] = [];
  for (const line of lines) {
    for (const part of line.split(',')) {
      const t = trimWs(part);
      if (t.length === 0) continue;
      for (let i = 0; i < t.length; i++) {
        if (!isTokenChar(t.charCodeAt(i))) throw new SipHeaderError(`${name}: "${t}" is not a token`, name);
      }
      out.push(t);
    }
  }
  return out;
}

/** A single unsigned decimal header (Max-Forwards, Expires...); undefined when absent. */
export function parseUnsigned(name: string, lines: readonly string[], max: number): number | undefined {
  if (lines.length === 0) return undefined;
  const s = trimWs(single(name, lines));
  const n = parseDigits(s, max);
  if (n < 0) throw new SipHeaderError(`${name}: "${s}" is not a number in 0..${max}`, name);
  return n;
}
