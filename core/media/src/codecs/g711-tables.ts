/**
 * G.711 companding tables. Encoding is one table lookup per sample indexed by the
 * 16-bit two's-complement pattern (64 KiB per law), decoding a 256-entry table, so
 * a 20 ms frame costs 160 array reads. The tables are built once from the reference
 * segment algorithm of ITU-T G.711 (as in Sun's public-domain g711.c).
 */

const SEG_UEND = [0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff, 0x3fff, 0x7fff];
const SEG_AEND = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
const ULAW_BIAS = 0x84;
const ULAW_CLIP = 32635;

function segment(value: number, ends: readonly number[]): number {
  for (let i = 0; i < ends.length; i++) if (value <= ends[i]) return i;
  return 8;
}

function linearToUlaw(sample: number): number {
  let mask: number;
  let pcm = sample;
  if (pcm < 0) {
    pcm = -pcm;
    mask = 0x7f;
  } else {
    mask = 0xff;
  }
  if (pcm > ULAW_CLIP) pcm = ULAW_CLIP;
  pcm += ULAW_BIAS;
  const seg = segment(pcm, SEG_UEND);
  if (seg >= 8) return 0x7f ^ mask;
  const uval = (seg << 4) | ((pcm >> (seg + 3)) & 0xf);
  return uval ^ mask;
}

function ulawToLinear(code: number): number {
  const u = ~code & 0xff;
  let t = ((u & 0x0f) << 3) + ULAW_BIAS;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS;
}

function linearToAlaw(sample: number): number {
  // The A-law reference works on 13-bit magnitudes; shift from 16-bit first.
  let pcm = sample >> 3;
  let mask: number;
  if (pcm >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  const seg = segment(pcm, SEG_AEND);
  if (seg >= 8) return 0x7f ^ mask;
  let aval = seg << 4;
  aval |= seg < 2 ? (pcm >> 1) & 0xf : (pcm >> seg) & 0xf;
  return aval ^ mask;
}

function alawToLinear(code: number): number {
  const a = code ^ 0x55;
  let t = (a & 0xf) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

function buildEncodeTable(fn: (s: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) table[i] = fn(i >= 32768 ? i - 65536 : i);
  return table;
}

function buildDecodeTable(fn: (c: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let i = 0; i < 256; i++) table[i] = fn(i);
  return table;
}

/** Index with `sample & 0xffff`. */
export const ULAW_ENCODE = buildEncodeTable(linearToUlaw);
export const ULAW_DECODE = buildDecodeTable(ulawToLinear);
export const ALAW_ENCODE = buildEncodeTable(linearToAlaw);
export const ALAW_DECODE = buildDecodeTable(alawToLinear);
