import { RvoipError } from '@rvoip/contracts';
import { WaveformConcealer } from '../dsp/plc.js';
import { G722Band, sat16 } from './g722-band.js';
import { IHN, IHP, ILN, ILP, QM2, QM4, QM6, QMF_COEFFS, Q6, RH2, RL42, WH, WL } from './g722-tables.js';
import type { AudioCodec, AudioDecoder, AudioEncoder } from './types.js';

/**
 * ITU-T G.722 sub-band ADPCM at 64 kbit/s (mode 1): a 24-tap QMF splits 16 kHz PCM into
 * two 8 kHz bands; the lower band gets 6-bit ADPCM, the upper 2-bit, one octet per pair
 * of input samples (upper band in the two most significant bits).
 */
export class G722Encoder implements AudioEncoder {
  private readonly x = new Int32Array(24);
  private readonly low = new G722Band(32);
  private readonly high = new G722Band(8);

  /** Puts this encoder in the state a decoder is in, with `recent` as analysis history. */
  adopt(low: G722Band, high: G722Band, recent: Int32Array): void {
    this.low.copyFrom(low);
    this.high.copyFrom(high);
    this.x.set(recent);
  }

  encode(pcm: Int16Array): Buffer {
    if (pcm.length % 2 !== 0) {
      throw new RvoipError('RVOIP_ERR_MEDIA_G722_FRAME', `G.722 encode needs an even sample count, got ${pcm.length}`);
    }
    const out = Buffer.allocUnsafe(pcm.length >> 1);
    const x = this.x;
    for (let j = 0, o = 0; j < pcm.length; j += 2, o++) {
      for (let i = 0; i < 22; i++) x[i] = x[i + 2];
      x[22] = pcm[j];
      x[23] = pcm[j + 1];
      let sumOdd = 0;
      let sumEven = 0;
      for (let i = 0; i < 12; i++) {
        sumOdd += x[2 * i] * QMF_COEFFS[i];
        sumEven += x[2 * i + 1] * QMF_COEFFS[11 - i];
      }
      const xlow = (sumEven + sumOdd) >> 14;
      const xhigh = (sumEven - sumOdd) >> 14;
      out[o] = (this.encodeHigh(xhigh) << 6) | this.encodeLow(xlow);
    }
    return out;
  }

  private encodeLow(xlow: number): number {
    const band = this.low;
    const el = sat16(xlow - band.s);
    const wd = el >= 0 ? el : -(el + 1);
    let i = 1;
    for (; i < 30; i++) if (wd < (Q6[i] * band.det) >> 12) break;
    const ilow = el < 0 ? ILN[i] : ILP[i];
    const ril = ilow >> 2;
    const dlow = (band.det * QM4[ril]) >> 15;
    band.adaptScale(WL[RL42[ril]], 18432, 8);
    band.update(dlow);
    return ilow;
  }

  private encodeHigh(xhigh: number): number {
    const band = this.high;
    const eh = sat16(xhigh - band.s);
    const wd = eh >= 0 ? eh : -(eh + 1);
    const mih = wd >= (564 * band.det) >> 12 ? 2 : 1;
    const ihigh = eh < 0 ? IHN[mih] : IHP[mih];
    const dhigh = (band.det * QM2[ihigh]) >> 15;
    band.adaptScale(WH[RH2[ihigh]], 22528, 10);
    band.update(dhigh);
    return ihigh;
  }
}

export class G722Decoder implements AudioDecoder {
  private readonly x = new Int32Array(24);
  private readonly low = new G722Band(32);
  private readonly high = new G722Band(8);
  private readonly plc = new WaveformConcealer(16000, true);
  private readonly recent = new Int32Array(24);
  private trainer: G722Encoder | undefined;

  decode(payload: Buffer): Int16Array {
    const out = this.synthesise(payload);
    this.plc.observe(out);
    return out;
  }

  /**
   * Waveform repetition at 16 kHz, then the concealed audio is ADPCM-encoded from this
   * decoder's own state and decoded again, so the predictor and step sizes keep tracking
   * the signal through the gap (as G.722 Appendix IV does) instead of resuming stale: the
   * first good frame then decodes close to what the sender meant.
   */
  conceal(samples: number): Int16Array {
    const synth = this.plc.conceal(samples - (samples % 2));
    const trainer = (this.trainer ??= new G722Encoder());
    trainer.adopt(this.low, this.high, this.recent);
    const out = this.synthesise(trainer.encode(synth));
    if (out.length === samples) return out;
    const padded = new Int16Array(samples);
    padded.set(out);
    return padded;
  }

  private synthesise(payload: Buffer): Int16Array {
    const out = new Int16Array(payload.length * 2);
    const x = this.x;
    for (let j = 0; j < payload.length; j++) {
      const code = payload[j];
      const rlow = this.decodeLow(code & 0x3f);
      const rhigh = this.decodeHigh((code >> 6) & 0x03);
      for (let i = 0; i < 22; i++) x[i] = x[i + 2];
      x[22] = rlow + rhigh;
      x[23] = rlow - rhigh;
      let xout1 = 0;
      let xout2 = 0;
      for (let i = 0; i < 12; i++) {
        xout2 += x[2 * i] * QMF_COEFFS[i];
        xout1 += x[2 * i + 1] * QMF_COEFFS[11 - i];
      }
      out[2 * j] = sat16(xout1 >> 11);
      out[2 * j + 1] = sat16(xout2 >> 11);
    }
    const r = this.recent;
    if (out.length >= 24) for (let i = 0; i < 24; i++) r[i] = out[out.length - 24 + i];
    return out;
  }

  private decodeLow(code: number): number {
    const band = this.low;
    let rlow = band.s + ((band.det * QM6[code]) >> 15);
    if (rlow > 16383) rlow = 16383;
    else if (rlow < -16384) rlow = -16384;
    const ril = code >> 2;
    const dlow = (band.det * QM4[ril]) >> 15;
    band.adaptScale(WL[RL42[ril]], 18432, 8);
    band.update(dlow);
    return rlow;
  }

  private decodeHigh(ihigh: number): number {
    const band = this.high;
    const dhigh = (band.det * QM2[ihigh]) >> 15;
    let rhigh = dhigh + band.s;
    if (rhigh > 16383) rhigh = 16383;
    else if (rhigh < -16384) rhigh = -16384;
    band.adaptScale(WH[RH2[ihigh]], 22528, 10);
    band.update(dhigh);
    return rhigh;
  }
}

/**
 * G.722, static payload type 9. RFC 3551 section 4.5.2: the RTP clock is 8000 Hz although
 * the codec samples at 16000 Hz (an error in RFC 1890 kept for compatibility), so a 20 ms
 * frame is 320 PCM samples, 160 octets, and advances the RTP timestamp by 160.
 */
export const g722: AudioCodec = {
  name: 'g722',
  clockRate: 8000,
  sampleRate: 16000,
  channels: 1,
  payloadType: 9,
  frameMs: 20,
  createEncoder: () => new G722Encoder(),
  createDecoder: () => new G722Decoder(),
};
