/**
 * Codec intersection for RFC 3264: the answer keeps the offerer's payload-type numbers
 * (so a dynamic PT such as opus/111 is remapped from our default), in the offerer's
 * order of preference.
 */
import type { SdpMedia } from './model.js';
import { getFmtp, getRtpMaps } from './model.js';

/** A codec as it appears on the wire: `clockRate` is the RTP clock (G.722 says 8000). */
export interface SdpCodecSpec {
  name: string;
  clockRate: number;
  channels: number;
  payloadType: number;
  fmtp?: string;
}

export interface TelephoneEventSpec {
  payloadType: number;
  clockRate: number;
  events: string;
}

function sameCodec(local: SdpCodecSpec, encoding: string, clockRate: number, channels: number): boolean {
  if (local.name.toLowerCase() !== encoding.toLowerCase() || local.clockRate !== clockRate) return false;
  // Opus is always signalled as /48000/2 whatever it actually carries (RFC 7587).
  return local.name.toLowerCase() === 'opus' || local.channels === channels;
}

/** Offered codecs we also support, in offer order, each with the offer's payload type. */
export function intersectCodecs(remote: SdpMedia, local: readonly SdpCodecSpec[]): SdpCodecSpec[] {
  const maps = getRtpMaps(remote);
  const out: SdpCodecSpec[] = [];
  for (const fmt of remote.formats) {
    const pt = Number(fmt);
    const map = maps.get(pt);
    if (!map) continue;
    const mine = local.find((c) => sameCodec(c, map.encoding, map.clockRate, map.channels));
    if (!mine || out.some((c) => c.name === mine.name)) continue;
    const spec: SdpCodecSpec = { name: mine.name, clockRate: map.clockRate, channels: map.channels, payloadType: pt };
    const fmtp = mine.fmtp ?? getFmtp(remote, pt);
    if (fmtp !== undefined) spec.fmtp = fmtp;
    out.push(spec);
  }
  return out;
}

/** The offered telephone-event matching the clock of the chosen codec (else 8000). */
export function findTelephoneEvent(remote: SdpMedia, clockRate: number): TelephoneEventSpec | undefined {
  const events: TelephoneEventSpec[] = [];
  for (const map of getRtpMaps(remote).values()) {
    if (map.encoding.toLowerCase() !== 'telephone-event') continue;
    events.push({ payloadType: map.payloadType, clockRate: map.clockRate, events: getFmtp(remote, map.payloadType) ?? '0-15' });
  }
  return events.find((e) => e.clockRate === clockRate) ?? events.find((e) => e.clockRate === 8000);
}
