/**
 * The common datagram in one pass: all ASCII, CRLF line ends, no folding. The header
 * lines are walked over the bytes (string offsets equal byte offsets here) and the empty
 * line ending them is found on the way, instead of being searched for first. Anything
 * else returns null, and the general path in parser.ts decides, unfolds and words the
 * errors exactly as before.
 */
import { TOKEN } from './lex.js';
import { RawHeaderIndex, isKnownNameLength, knownHeaderId, scratchIds, scratchOffs } from './raw-headers.js';

/** Where the last successful indexAsciiHead found the ends (module state: no object per message). */
export const asciiEnds = { lineEnd: 0, headEnd: 0, bodyStart: 0 };

/** Indexes the header lines of buf (text is its latin1 decoding) after the start line at `start`. */
export function indexAsciiHead(buf: Uint8Array, text: string, start: number): RawHeaderIndex | null {
  const len = buf.length;
  const firstNl = text.indexOf('\n', start);
  if (firstNl <= start || buf[firstNl - 1] !== 13) return null;
  const offs = scratchOffs;
  const ids = scratchIds;
  const firstOf = [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1];
  const countOf = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  let n = 0;
  let pos = firstNl + 1;
  for (;;) {
    if (pos + 1 >= len) return null;
    let ch = buf[pos]!;
    if (ch === 13) {
      if (buf[pos + 1] !== 10) return null;
      asciiEnds.lineEnd = firstNl - 1;
      asciiEnds.headEnd = pos;
      asciiEnds.bodyStart = pos + 2;
      return RawHeaderIndex.fromScratch(text, n, firstOf, countOf);
    }
    // The name is validated and packed (for knownHeaderId) in one pass over it.
    let i = pos;
    let packed = 0;
    while (TOKEN[ch] === 1) {
      packed = packed * 128 + (ch | 0x20);
      if (++i >= len) return null;
      ch = buf[i]!;
    }
    const ne = i;
    if (ne === pos) return null;
    while ((ch === 32 || ch === 9) && i + 1 < len) ch = buf[++i]!;
    if (ch !== 58 || i + 1 >= len) return null;
    ch = buf[++i]!;
    while ((ch === 32 || ch === 9) && i + 1 < len) ch = buf[++i]!;
    const vs = i;
    const eol = text.indexOf('\n', i);
    if (eol <= vs || buf[eol - 1] !== 13) return null;
    let ve = eol - 1;
    while (ve > vs && (buf[ve - 1] === 32 || buf[ve - 1] === 9)) ve--;
    const o = n * 4;
    offs[o] = pos;
    offs[o + 1] = ne;
    offs[o + 2] = vs;
    offs[o + 3] = ve;
    const nameLen = ne - pos;
    const id = isKnownNameLength(nameLen) ? knownHeaderId(text, pos, nameLen, packed) : 0;
    ids[n] = id;
    if (id !== 0 && countOf[id]++ === 0) firstOf[id] = n;
    n++;
    pos = eol + 1;
  }
}
