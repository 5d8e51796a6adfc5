/**
 * RTCP packets (RFC 3550 6.4) built and read with werift-rtp's SR/RR/SDES classes, plus
 * the interval computation of Appendix A.7 and the NTP clock they need. RTCP runs a few
 * times a minute per call, so werift's object-per-packet style costs nothing here.
 */
import { RtcpPacketConverter, RtcpReceiverInfo, RtcpRrPacket, RtcpSenderInfo, RtcpSourceDescriptionPacket, RtcpSrPacket, SourceDescriptionChunk, SourceDescriptionItem } from 'werift-rtp';

const NTP_EPOCH_OFFSET = 2208988800;
const RTCP_BYE = 203;
const SDES_CNAME = 1;

/** Current wall clock as a 64-bit NTP timestamp. */
export function ntpNow(nowMs = Date.now()): bigint {
  const secs = Math.floor(nowMs / 1000);
  const frac = Math.floor(((nowMs % 1000) / 1000) * 0x100000000);
  return (BigInt(secs + NTP_EPOCH_OFFSET) << 32n) | BigInt(frac);
}

/** The middle 32 bits of an NTP timestamp, as used by LSR and for RTT (1/65536 s units). */
export function ntpMiddle32(ntp: bigint): number {
  return Number((ntp >> 16n) & 0xffffffffn);
}

export interface ReportBlock {
  ssrc: number;
  /** 8-bit fraction (0..255). */
  fractionLost: number;
  packetsLost: number;
  highestSequence: number;
  jitter: number;
  lsr: number;
  dlsr: number;
}

export interface SenderReportInfo {
  ntp: bigint;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export interface CompoundInput {
  ssrc: number;
  cname: string;
  sender?: SenderReportInfo;
  blocks: ReportBlock[];
  bye?: boolean;
}

function toReceiverInfo(b: ReportBlock): RtcpReceiverInfo {
  return new RtcpReceiverInfo({
    ssrc: b.ssrc,
    fractionLost: b.fractionLost & 0xff,
    // 24-bit field; negative counts (duplicates) are clamped rather than wrapped.
    packetsLost: Math.max(0, Math.min(0x7fffff, b.packetsLost)),
    highestSequence: b.highestSequence >>> 0,
    jitter: Math.max(0, Math.floor(b.jitter)) >>> 0,
    lsr: b.lsr >>> 0,
    dlsr: b.dlsr >>> 0,
  });
}

function byePacket(ssrc: number): Buffer {
  const buf = Buffer.alloc(8);
  buf[0] = 0x81;
  buf[1] = RTCP_BYE;
  buf.writeUInt16BE(1, 2);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  return buf;
}

/** SR or RR, then SDES CNAME (RFC 3550 6.1), then BYE when leaving. */
export function buildCompound(input: CompoundInput): Buffer {
  const reports = input.blocks.map(toReceiverInfo);
  const first = input.sender
    ? new RtcpSrPacket({
        ssrc: input.ssrc,
        senderInfo: new RtcpSenderInfo({ ntpTimestamp: input.sender.ntp, rtpTimestamp: input.sender.rtpTimestamp >>> 0, packetCount: input.sender.packetCount >>> 0, octetCount: input.sender.octetCount >>> 0 }),
        reports,
      })
    : new RtcpRrPacket({ ssrc: input.ssrc, reports });
  const sdes = new RtcpSourceDescriptionPacket({
    chunks: [new SourceDescriptionChunk({ source: input.ssrc, items: [new SourceDescriptionItem({ type: SDES_CNAME, text: input.cname })] })],
  });
  const parts: Buffer[] = [first.serialize(), sdes.serialize()];
  if (input.bye) parts.push(byePacket(input.ssrc));
  return Buffer.concat(parts);
}

export interface ParsedRtcp {
  senderSsrc?: number;
  sender?: SenderReportInfo;
  blocks: ReportBlock[];
  byeSsrcs: number[];
}

/** Reads a compound packet; unknown packet types are skipped, never thrown on. */
export function parseCompound(buf: Buffer): ParsedRtcp {
  const out: ParsedRtcp = { blocks: [], byeSsrcs: [] };
  for (const p of RtcpPacketConverter.deSerialize(buf)) {
    if (p instanceof RtcpSrPacket) {
      out.senderSsrc = p.ssrc;
      out.sender = { ntp: p.senderInfo.ntpTimestamp, rtpTimestamp: p.senderInfo.rtpTimestamp, packetCount: p.senderInfo.packetCount, octetCount: p.senderInfo.octetCount };
      out.blocks.push(...p.reports);
    } else if (p instanceof RtcpRrPacket) {
      out.senderSsrc = p.ssrc;
      out.blocks.push(...p.reports);
    }
  }
  // werift does not decode BYE; walk the headers for it.
  for (let pos = 0; pos + 4 <= buf.length; ) {
    const count = buf[pos] & 0x1f;
    const words = buf.readUInt16BE(pos + 2);
    if (buf[pos + 1] === RTCP_BYE) {
      for (let i = 0; i < count && pos + 8 + i * 4 <= buf.length; i++) out.byeSsrcs.push(buf.readUInt32BE(pos + 4 + i * 4));
    }
    pos += (words + 1) * 4;
  }
  return out;
}

export interface IntervalInput {
  members: number;
  senders: number;
  /** RTCP bandwidth in octets per second (5% of the session bandwidth). */
  rtcpBandwidth: number;
  weSent: boolean;
  avgRtcpSize: number;
  initial: boolean;
  /** Tmin in seconds: 5 by RFC 3550; smaller values for tests and short calls. */
  minIntervalSec: number;
}

/** RFC 3550 A.7 rtcp_interval(), in seconds, randomised and compensated. */
export function rtcpIntervalSec(i: IntervalInput): number {
  const RTCP_SENDER_BW_FRACTION = 0.25;
  const COMPENSATION = Math.E - 1.5;
  let tmin = i.minIntervalSec;
  if (i.initial) tmin /= 2;
  let n = i.members;
  let bw = i.rtcpBandwidth;
  if (i.senders <= i.members * RTCP_SENDER_BW_FRACTION) {
    if (i.weSent) {
      bw *= RTCP_SENDER_BW_FRACTION;
      n = i.senders;
    } else {
      bw *= 1 - RTCP_SENDER_BW_FRACTION;
      n -= i.senders;
    }
  }
  let t = (i.avgRtcpSize * n) / bw;
  if (t < tmin) t = tmin;
  t = t * (Math.random() + 0.5);
  return t / COMPENSATION;
}
