/**
 * The SDP (RFC 8866) data model. Attributes are kept as an ordered list so a parsed
 * description serializes back byte-for-byte in the same order real phones sent it;
 * helpers below read the few attributes the offer/answer logic needs.
 */
import { RvoipError } from '@rvoip/contracts';

export type SdpAddrType = 'IP4' | 'IP6';
export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpOrigin {
  username: string;
  sessionId: string;
  /** Kept as a string: real phones use values beyond 2^53. */
  sessionVersion: string;
  netType: string;
  addrType: SdpAddrType;
  address: string;
}

export interface SdpConnection {
  netType: string;
  addrType: SdpAddrType;
  /** Address without any multicast TTL/count suffix; see `suffix`. */
  address: string;
  suffix?: string;
}

export interface SdpBandwidth {
  type: string;
  value: number;
}

export interface SdpAttribute {
  name: string;
  /** `undefined` for property attributes such as `a=rtcp-mux`. */
  value?: string;
}

/** A line type the model does not interpret (r=, z=, k=, ...), preserved verbatim. */
export interface SdpRawLine {
  type: string;
  value: string;
}

export interface SdpMedia {
  type: string;
  port: number;
  numPorts?: number;
  protocol: string;
  formats: string[];
  information?: string;
  connections: SdpConnection[];
  bandwidths: SdpBandwidth[];
  other: SdpRawLine[];
  attributes: SdpAttribute[];
}

export interface SdpTiming {
  start: string;
  stop: string;
  repeats: string[];
}

export interface SdpSession {
  version: number;
  origin: SdpOrigin;
  sessionName: string;
  information?: string;
  uri?: string;
  emails: string[];
  phones: string[];
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  timing: SdpTiming[];
  /** z= and k= lines, kept in order. */
  other: SdpRawLine[];
  attributes: SdpAttribute[];
  media: SdpMedia[];
}

export interface SdpRtpMap {
  payloadType: number;
  encoding: string;
  clockRate: number;
  channels: number;
}

export class SdpError extends RvoipError {
  constructor(what: string, message: string, details: Record<string, unknown> = {}) {
    super(`RVOIP_ERR_SDP_${what}`, message, details);
  }
}

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/** RFC 3551 static payload types a peer may use without an a=rtpmap line. */
export const STATIC_PAYLOAD_TYPES: Readonly<Record<number, Omit<SdpRtpMap, 'payloadType'>>> = {
  0: { encoding: 'PCMU', clockRate: 8000, channels: 1 },
  3: { encoding: 'GSM', clockRate: 8000, channels: 1 },
  4: { encoding: 'G723', clockRate: 8000, channels: 1 },
  8: { encoding: 'PCMA', clockRate: 8000, channels: 1 },
  9: { encoding: 'G722', clockRate: 8000, channels: 1 },
  13: { encoding: 'CN', clockRate: 8000, channels: 1 },
  18: { encoding: 'G729', clockRate: 8000, channels: 1 },
};

export function getAttribute(attrs: readonly SdpAttribute[], name: string): SdpAttribute | undefined {
  return attrs.find((a) => a.name === name);
}

export function getAttributes(attrs: readonly SdpAttribute[], name: string): SdpAttribute[] {
  return attrs.filter((a) => a.name === name);
}

/** The media-level direction, falling back to the session level, then to sendrecv. */
export function getDirection(session: SdpSession, media: SdpMedia): SdpDirection {
  for (const list of [media.attributes, session.attributes]) {
    const found = list.find((a) => DIRECTIONS.has(a.name));
    if (found) return found.name as SdpDirection;
  }
  return 'sendrecv';
}

/** The connection that applies to a media section (media-level first, RFC 8866 5.7). */
export function getConnection(session: SdpSession, media: SdpMedia): SdpConnection | undefined {
  return media.connections[0] ?? session.connection;
}

/** RFC 3264 8.4 legacy hold: a connection address of 0.0.0.0 means "do not send to me". */
export function isLegacyHold(conn: SdpConnection | undefined): boolean {
  return conn !== undefined && conn.addrType === 'IP4' && conn.address === '0.0.0.0';
}

export function getRtpMaps(media: SdpMedia): Map<number, SdpRtpMap> {
  const maps = new Map<number, SdpRtpMap>();
  for (const fmt of media.formats) {
    const pt = Number(fmt);
    const st = STATIC_PAYLOAD_TYPES[pt];
    if (st) maps.set(pt, { payloadType: pt, ...st });
  }
  for (const attr of getAttributes(media.attributes, 'rtpmap')) {
    const m = /^(\d+)\s+([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(attr.value ?? '');
    if (!m) continue;
    const pt = Number(m[1]);
    maps.set(pt, { payloadType: pt, encoding: m[2], clockRate: Number(m[3]), channels: m[4] ? Number(m[4]) : 1 });
  }
  return maps;
}

export function getFmtp(media: SdpMedia, payloadType: number): string | undefined {
  const prefix = `${payloadType} `;
  const attr = media.attributes.find((a) => a.name === 'fmtp' && a.value?.startsWith(prefix));
  return attr?.value?.slice(prefix.length).trim();
}

export function getPtime(media: SdpMedia): number | undefined {
  const v = getAttribute(media.attributes, 'ptime')?.value;
  return v === undefined ? undefined : Number(v);
}

/** Where the peer wants RTCP: a=rtcp-mux, else a=rtcp (RFC 3605), else RTP port + 1. */
export function getRtcpTarget(media: SdpMedia): { port: number; address?: string; mux: boolean } {
  if (getAttribute(media.attributes, 'rtcp-mux')) return { port: media.port, mux: true };
  const rtcp = getAttribute(media.attributes, 'rtcp')?.value;
  if (rtcp) {
    const [port, , , address] = rtcp.trim().split(/\s+/);
    if (/^\d+$/.test(port)) return { port: Number(port), address, mux: false };
  }
  return { port: media.port + 1, mux: false };
}
