import { ILB } from './g722-tables.js';

/** Saturates to the 16-bit range, as every G.722 block does on its outputs. */
export function sat16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/**
 * State of one sub-band's adaptive predictor (pole-zero, 2 poles and 6 zeros) and its
 * quantiser scale factor. Encoder and decoder run the identical update (block 4), which is
 * what keeps them in step without side information.
 */
export class G722Band {
  s = 0;
  sp = 0;
  sz = 0;
  r = [0, 0, 0];
  a = [0, 0, 0];
  ap = [0, 0, 0];
  p = [0, 0, 0];
  d = [0, 0, 0, 0, 0, 0, 0];
  b = [0, 0, 0, 0, 0, 0, 0];
  bp = [0, 0, 0, 0, 0, 0, 0];
  sg = [0, 0, 0, 0, 0, 0, 0];
  nb = 0;
  det: number;

  constructor(initialDet: number) {
    this.det = initialDet;
  }

  /** Takes over another band's complete state (used to re-train after concealment). */
  copyFrom(o: G722Band): void {
    this.s = o.s;
    this.sp = o.sp;
    this.sz = o.sz;
    this.nb = o.nb;
    this.det = o.det;
    for (const k of ['r', 'a', 'ap', 'p', 'd', 'b', 'bp', 'sg'] as const) {
      for (let i = 0; i < this[k].length; i++) this[k][i] = o[k][i];
    }
  }

  /** LOGSCL/LOGSCH then SCALEL/SCALEH: adapts the log scale factor and derives det. */
  adaptScale(multiplier: number, limit: number, shiftBase: number): void {
    let nb = ((this.nb * 127) >> 7) + multiplier;
    if (nb < 0) nb = 0;
    else if (nb > limit) nb = limit;
    this.nb = nb;
    const wd1 = (nb >> 6) & 31;
    const wd2 = shiftBase - (nb >> 11);
    const wd3 = wd2 < 0 ? ILB[wd1] << -wd2 : ILB[wd1] >> wd2;
    this.det = wd3 << 2;
  }

  /** Block 4: reconstruction, pole/zero coefficient adaptation, and the next prediction. */
  update(d: number): void {
    const { r, a, ap, p, sg, b, bp } = this;
    const dd = this.d;
    dd[0] = d;
    r[0] = sat16(this.s + d);
    p[0] = sat16(this.sz + d);

    // UPPOL2
    for (let i = 0; i < 3; i++) sg[i] = p[i] >> 15;
    const w1 = sat16(a[1] << 2);
    let w2 = sg[0] === sg[1] ? -w1 : w1;
    if (w2 > 32767) w2 = 32767;
    let w3 = (w2 >> 7) + (sg[0] === sg[2] ? 128 : -128);
    w3 += (a[2] * 32512) >> 15;
    if (w3 > 12288) w3 = 12288;
    else if (w3 < -12288) w3 = -12288;
    ap[2] = w3;

    // UPPOL1
    sg[0] = p[0] >> 15;
    sg[1] = p[1] >> 15;
    ap[1] = sat16((sg[0] === sg[1] ? 192 : -192) + ((a[1] * 32640) >> 15));
    const lim = sat16(15360 - ap[2]);
    if (ap[1] > lim) ap[1] = lim;
    else if (ap[1] < -lim) ap[1] = -lim;

    // UPZERO
    const step = d === 0 ? 0 : 128;
    sg[0] = d >> 15;
    for (let i = 1; i < 7; i++) {
      sg[i] = dd[i] >> 15;
      const s2 = sg[i] === sg[0] ? step : -step;
      bp[i] = sat16(s2 + ((b[i] * 32640) >> 15));
    }

    // DELAYA
    for (let i = 6; i > 0; i--) {
      dd[i] = dd[i - 1];
      b[i] = bp[i];
    }
    for (let i = 2; i > 0; i--) {
      r[i] = r[i - 1];
      p[i] = p[i - 1];
      a[i] = ap[i];
    }

    // FILTEP
    const f1 = (a[1] * sat16(r[1] + r[1])) >> 15;
    const f2 = (a[2] * sat16(r[2] + r[2])) >> 15;
    this.sp = sat16(f1 + f2);

    // FILTEZ
    let sz = 0;
    for (let i = 6; i > 0; i--) sz += (b[i] * sat16(dd[i] + dd[i])) >> 15;
    this.sz = sat16(sz);

    // PREDIC
    this.s = sat16(this.sp + this.sz);
  }
}
