/**
 * The RTP fixed header (RFC 3550 5.1) read into a caller-owned object and written into a
 * caller-sized buffer. The per-packet path uses these instead of werift's RtpPacket
 * because that class allocates a header object, CSRC and extension arrays per packet;
 * werift's classes stay in tests as the reference the bytes are checked against.
 */
export interface RtpHeaderFields {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  /** Offset of the payload (after CSRCs and header extension). */
  payloadOffset: number;
  /** End of the payload (before padding). */
  payloadEnd: number;
}

export const RTP_HEADER_SIZE = 12;

export function createRtpHeaderFields(): RtpHeaderFields {
  return { marker: false, payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, payloadOffset: 0, payloadEnd: 0 };
}

/** RFC 5761 4: on a muxed port, RTCP packet types 192-223 sit where RTP has M+PT 64-95. */
export function isRtcpPacket(buf: Buffer): boolean {
  if (buf.length < 2) return false;
  const pt = buf[1];
  return pt >= 192 && pt <= 223;
}

/** Fills `out` from `buf`; false when the datagram is not a well-formed RTP v2 packet. */
export function readRtpHeader(buf: Buffer, out: RtpHeaderFields): boolean {
  const len = buf.length;
  if (len < RTP_HEADER_SIZE) return false;
  const b0 = buf[0];
  if (b0 >> 6 !== 2) return false;
  let offset = RTP_HEADER_SIZE + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (len < offset + 4) return false;
    offset += 4 + buf.readUInt16BE(offset + 2) * 4;
  }
  let end = len;
  if (b0 & 0x20) end -= buf[len - 1];
  if (offset > end) return false;
  const b1 = buf[1];
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequenceNumber = buf.readUInt16BE(2);
  out.timestamp = buf.readUInt32BE(4);
  out.ssrc = buf.readUInt32BE(8);
  out.payloadOffset = offset;
  out.payloadEnd = end;
  return true;
}

/** Writes a 12-byte header (no CSRC, no extension) at the start of `buf`. */
export function writeRtpHeader(buf: Buffer, payloadType: number, marker: boolean, seq: number, timestamp: number, ssrc: number): void {
  buf[0] = 0x80;
  buf[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  buf.writeUInt16BE(seq & 0xffff, 2);
  buf.writeUInt32BE(timestamp >>> 0, 4);
  buf.writeUInt32BE(ssrc >>> 0, 8);
}
