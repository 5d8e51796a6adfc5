/** The options, stats and events of a MediaSession (kept apart so the facade stays small). */
import type { DtmfEvent, JitterStats } from './engine/audio-receiver.js';
import type { RtpStats } from './rtp/rtcp-reporter.js';
import type { SdpDirection } from './sdp/model.js';
import type { SrtpMode } from './sdp/offer-answer.js';
import type { SrtpSuite } from './srtp/sdes.js';

export type FrameRate = 8000 | 16000 | 48000;

export interface MediaSessionOptions {
  /** Sample rate of the PCM frames in and out (default 8000; 20 ms frames). */
  frameRate?: FrameRate;
  /** Codec names in order of preference; default: the engine's. */
  codecs?: string[];
  srtp?: { mode: SrtpMode; suites?: SrtpSuite[] };
  direction?: SdpDirection;
  /** RFC 4733 payload type we offer (default 101); false to offer none. */
  telephoneEvent?: number | false;
  /** Reply to where media comes from rather than to the SDP address (default true). */
  symmetricRtp?: boolean;
  /** Also detect DTMF tones in the received audio (Goertzel). */
  detectInbandDtmf?: boolean;
  /** Echo every received audio packet straight back (decode -> encode), like SIPp's rtp_echo. */
  loopback?: boolean;
  cname?: string;
}

export interface MediaSessionStats extends RtpStats {
  codec?: string;
  direction: SdpDirection;
  jitterBuffer: JitterStats;
  framesDropped: number;
}

export interface MediaSessionEvents {
  /** A key press, once, as soon as it is seen (RFC 4733 or in-band). */
  dtmf: [DtmfEvent];
  /** The end of an RFC 4733 key press, with its duration. */
  'dtmf-end': [DtmfEvent];
  /** A bridge carried a key press of the other leg into this session's stream. */
  'dtmf-relayed': [{ digit: string }];
  'ssrc-change': [{ previous: number; next: number }];
  bye: [{ ssrc: number }];
  closed: [];
}
