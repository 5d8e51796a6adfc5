import { RvoipError } from '@rvoip/contracts';

/**
 * RFC 4733 section 2.3 telephone-event payload:
 *
 *   0                   1                   2                   3
 *   |     event     |E|R| volume    |          duration             |
 *
 * volume is the power level in -dBm0 (0..63, DTMF typically 10), duration is in RTP
 * timestamp units since the event's start (the RTP timestamp of every packet of an event
 * is the event's start).
 */
export interface TelephoneEvent {
  event: number;
  end: boolean;
  volume: number;
  duration: number;
}

export const RFC4733_PAYLOAD_BYTES = 4;

export class Rfc4733Encoder {
  static encode(ev: TelephoneEvent): Buffer {
    if (!Number.isInteger(ev.event) || ev.event < 0 || ev.event > 255) {
      throw new RvoipError('RVOIP_ERR_MEDIA_DTMF_EVENT', `telephone-event code must be 0..255, got ${ev.event}`);
    }
    if (!Number.isInteger(ev.volume) || ev.volume < 0 || ev.volume > 63) {
      throw new RvoipError('RVOIP_ERR_MEDIA_DTMF_VOLUME', `telephone-event volume must be 0..63 (-dBm0), got ${ev.volume}`);
    }
    if (!Number.isInteger(ev.duration) || ev.duration < 0 || ev.duration > 0xffff) {
      throw new RvoipError('RVOIP_ERR_MEDIA_DTMF_DURATION', `telephone-event duration must be 0..65535 timestamp units, got ${ev.duration}`);
    }
    const buf = Buffer.alloc(RFC4733_PAYLOAD_BYTES);
    buf[0] = ev.event;
    buf[1] = (ev.end ? 0x80 : 0) | ev.volume; // R bit stays 0 as the RFC requires of senders
    buf.writeUInt16BE(ev.duration, 2);
    return buf;
  }

  encode(ev: TelephoneEvent): Buffer {
    return Rfc4733Encoder.encode(ev);
  }
}

export class Rfc4733Decoder {
  /** Decodes the first event block; receivers ignore the R bit (section 2.3.4). */
  static decode(payload: Buffer): TelephoneEvent {
    if (payload.length < RFC4733_PAYLOAD_BYTES) {
      throw new RvoipError('RVOIP_ERR_MEDIA_DTMF_PAYLOAD', `telephone-event payload needs 4 octets, got ${payload.length}`);
    }
    return {
      event: payload[0],
      end: (payload[1] & 0x80) !== 0,
      volume: payload[1] & 0x3f,
      duration: payload.readUInt16BE(2),
    };
  }

  /** All event blocks of a payload (section 2.5.1.5 allows several, e.g. redundant ones). */
  static decodeAll(payload: Buffer): TelephoneEvent[] {
    const out: TelephoneEvent[] = [];
    for (let o = 0; o + RFC4733_PAYLOAD_BYTES <= payload.length; o += RFC4733_PAYLOAD_BYTES) {
      out.push(Rfc4733Decoder.decode(payload.subarray(o, o + RFC4733_PAYLOAD_BYTES)));
    }
    return out;
  }

  decode(payload: Buffer): TelephoneEvent {
    return Rfc4733Decoder.decode(payload);
  }
}
