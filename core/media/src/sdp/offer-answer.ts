/**
 * RFC 3264 offer/answer for one audio stream. Pure functions over the SDP model: the
 * media session keeps the state (session id/version, keys) and calls these.
 */
import type { SdesCrypto, SrtpSuite } from '../srtp/sdes.js';
import { generateSdesCrypto, parseSdesCrypto, serializeSdesCrypto } from '../srtp/sdes.js';
import type { SdpCodecSpec, TelephoneEventSpec } from './codec-match.js';
import { findTelephoneEvent, intersectCodecs } from './codec-match.js';
import type { SdpAttribute, SdpDirection, SdpMedia, SdpSession } from './model.js';
import { SdpError, getAttributes, getConnection, getDirection, getPtime, getRtcpTarget, isLegacyHold } from './model.js';

export type SrtpMode = 'off' | 'optional' | 'required';

export interface LocalMediaDescription {
  /** Advertised address (c= line); IPv6 literals are detected. */
  address: string;
  port: number;
  codecs: readonly SdpCodecSpec[];
  /** `false` to leave RFC 4733 out; default PT 101 with events 0-16. */
  telephoneEvent?: { payloadType: number; events: string } | false;
  direction: SdpDirection;
  /** RFC 3264 8.4 legacy hold: advertise c=0.0.0.0 instead of (or with) a direction. */
  legacyHold?: boolean;
  ptime?: number;
  rtcpMux?: boolean;
  /** `answerKey`: our key from a previous answer, reused when the peer keeps its suite and tag. */
  srtp?: { mode: SrtpMode; suites: readonly SrtpSuite[]; answerKey?: SdesCrypto };
  sessionId: string;
  sessionVersion: string;
}

export interface NegotiatedMedia {
  mediaIndex: number;
  remoteAddress: string;
  remotePort: number;
  remoteRtcpAddress: string;
  remoteRtcpPort: number;
  rtcpMux: boolean;
  /** First agreed codec, with the payload type the peer expects. */
  sendCodec: SdpCodecSpec;
  /** Every agreed codec; the peer may switch among them. */
  codecs: SdpCodecSpec[];
  telephoneEvent?: TelephoneEventSpec;
  /** Our effective direction after both sides' wishes are combined. */
  direction: SdpDirection;
  remotePtime?: number;
  srtp?: { local: SdesCrypto; remote: SdesCrypto };
}

const SUPPORTED_PROTOCOLS = new Set(['RTP/AVP', 'RTP/AVPF', 'RTP/SAVP', 'RTP/SAVPF']);

function dirFlags(d: SdpDirection): { send: boolean; recv: boolean } {
  return { send: d === 'sendrecv' || d === 'sendonly', recv: d === 'sendrecv' || d === 'recvonly' };
}

function toDirection(send: boolean, recv: boolean): SdpDirection {
  if (send && recv) return 'sendrecv';
  if (send) return 'sendonly';
  return recv ? 'recvonly' : 'inactive';
}

function addrTypeOf(address: string): 'IP4' | 'IP6' {
  return address.includes(':') ? 'IP6' : 'IP4';
}

function baseSession(local: LocalMediaDescription): SdpSession {
  const addrType = addrTypeOf(local.address);
  const cAddr = local.legacyHold && addrType === 'IP4' ? '0.0.0.0' : local.address;
  return {
    version: 0,
    origin: { username: 'rvoip', sessionId: local.sessionId, sessionVersion: local.sessionVersion, netType: 'IN', addrType, address: local.address },
    sessionName: 'rvoip',
    emails: [],
    phones: [],
    connection: { netType: 'IN', addrType, address: cAddr },
    bandwidths: [],
    timing: [{ start: '0', stop: '0', repeats: [] }],
    other: [],
    attributes: [],
    media: [],
  };
}

function audioMedia(local: LocalMediaDescription, protocol: string, codecs: readonly SdpCodecSpec[], tes: readonly TelephoneEventSpec[], direction: SdpDirection, rtcpMux: boolean, crypto: readonly SdesCrypto[]): SdpMedia {
  const attributes: SdpAttribute[] = [];
  const formats: string[] = [];
  for (const c of codecs) {
    formats.push(String(c.payloadType));
    attributes.push({ name: 'rtpmap', value: `${c.payloadType} ${c.name}/${c.clockRate}${c.channels > 1 ? `/${c.channels}` : ''}` });
    if (c.fmtp) attributes.push({ name: 'fmtp', value: `${c.payloadType} ${c.fmtp}` });
  }
  for (const te of tes) {
    formats.push(String(te.payloadType));
    attributes.push({ name: 'rtpmap', value: `${te.payloadType} telephone-event/${te.clockRate}` });
    attributes.push({ name: 'fmtp', value: `${te.payloadType} ${te.events}` });
  }
  attributes.push({ name: 'ptime', value: String(local.ptime ?? 20) });
  if (rtcpMux) attributes.push({ name: 'rtcp-mux' });
  for (const c of crypto) attributes.push({ name: 'crypto', value: serializeSdesCrypto(c) });
  attributes.push({ name: direction });
  return { type: 'audio', port: local.port, protocol, formats, connections: [], bandwidths: [], other: [], attributes };
}

/**
 * telephone-event must run at the clock of the audio it interrupts (RFC 4733 2.1), so one
 * is offered per distinct codec clock: `payloadType` for 8000, then free dynamic numbers.
 */
function offeredTelephoneEvents(codecs: readonly SdpCodecSpec[], payloadType: number, events: string): TelephoneEventSpec[] {
  const clocks = [...new Set(codecs.map((c) => c.clockRate))].sort((a, b) => (a === 8000 ? -1 : b === 8000 ? 1 : a - b));
  const used = new Set(codecs.map((c) => c.payloadType));
  const out: TelephoneEventSpec[] = [];
  let next = payloadType;
  for (const clockRate of clocks.length ? clocks : [8000]) {
    while (used.has(next)) next = next >= 127 ? 96 : next + 1;
    used.add(next);
    out.push({ payloadType: next, clockRate, events });
  }
  return out;
}

/** Builds an offer; `crypto` holds our keys (one per offered suite) when SRTP is on. */
export function createOfferSdp(local: LocalMediaDescription, crypto: readonly SdesCrypto[] = []): SdpSession {
  const sdp = baseSession(local);
  const tes = local.telephoneEvent === false ? [] : offeredTelephoneEvents(local.codecs, local.telephoneEvent?.payloadType ?? 101, local.telephoneEvent?.events ?? '0-16');
  // 'optional' is best-effort SRTP: RTP/AVP carrying a=crypto, which SDES phones accept.
  const protocol = crypto.length > 0 && local.srtp?.mode === 'required' ? 'RTP/SAVP' : 'RTP/AVP';
  sdp.media.push(audioMedia(local, protocol, local.codecs, tes, local.direction, local.rtcpMux ?? true, crypto));
  return sdp;
}

/** Keys for an SRTP offer: one fresh key per suite, tags 1..n. */
export function createOfferCrypto(local: LocalMediaDescription): SdesCrypto[] {
  if (!local.srtp || local.srtp.mode === 'off') return [];
  return local.srtp.suites.map((suite, i) => generateSdesCrypto(suite, i + 1));
}

function pickRemoteCrypto(media: SdpMedia, local: LocalMediaDescription): SdesCrypto | undefined {
  const suites = local.srtp?.suites ?? [];
  for (const attr of getAttributes(media.attributes, 'crypto')) {
    const c = parseSdesCrypto(attr.value ?? '');
    // Session parameters (KDR, UNENCRYPTED_SRTP, ...) change the transform: not offered to us.
    if (c && suites.includes(c.suite) && !c.sessionParams) return c;
  }
  return undefined;
}

function rejected(m: SdpMedia): SdpMedia {
  return { type: m.type, port: 0, protocol: m.protocol, formats: m.formats.length ? [...m.formats] : ['0'], connections: [], bandwidths: [], other: [], attributes: [] };
}

function remoteTarget(sdp: SdpSession, m: SdpMedia, index: number): Pick<NegotiatedMedia, 'mediaIndex' | 'remoteAddress' | 'remotePort' | 'remoteRtcpAddress' | 'remoteRtcpPort' | 'rtcpMux' | 'remotePtime'> {
  const conn = getConnection(sdp, m);
  if (!conn) throw new SdpError('NO_CONNECTION', `SDP m=${m.type} line ${index} has no c= line at media or session level`);
  const rtcp = getRtcpTarget(m);
  const out = { mediaIndex: index, remoteAddress: conn.address, remotePort: m.port, remoteRtcpAddress: rtcp.address ?? conn.address, remoteRtcpPort: rtcp.port, rtcpMux: rtcp.mux, remotePtime: getPtime(m) };
  return out;
}

/** What the remote side lets us do: legacy c=0.0.0.0 hold means it will not receive. */
function remoteFlags(sdp: SdpSession, m: SdpMedia): { send: boolean; recv: boolean } {
  const f = dirFlags(getDirection(sdp, m));
  if (isLegacyHold(getConnection(sdp, m))) f.recv = false;
  return f;
}

/**
 * Answers `offer`: the first usable audio m-line is accepted, every other m-line is
 * rejected with port 0. Throws `RVOIP_ERR_SDP_INCOMPATIBLE` when nothing is usable
 * (the signalling layer answers 488 then).
 */
export function createAnswerSdp(offer: SdpSession, local: LocalMediaDescription): { answer: SdpSession; negotiated: NegotiatedMedia } {
  const answer = baseSession(local);
  let negotiated: NegotiatedMedia | undefined;
  const mode = local.srtp?.mode ?? 'off';
  offer.media.forEach((m, index) => {
    const secure = m.protocol.includes('SAVP');
    if (negotiated || m.type !== 'audio' || m.port === 0 || !SUPPORTED_PROTOCOLS.has(m.protocol)) return answer.media.push(rejected(m));
    const remoteKey = mode === 'off' ? undefined : pickRemoteCrypto(m, local);
    if ((secure || mode === 'required') && !remoteKey) return answer.media.push(rejected(m));
    const codecs = intersectCodecs(m, local.codecs);
    if (codecs.length === 0) return answer.media.push(rejected(m));
    const te = local.telephoneEvent === false ? undefined : findTelephoneEvent(m, codecs[0].clockRate);
    const remote = remoteFlags(offer, m);
    const wanted = dirFlags(local.direction);
    const direction = toDirection(wanted.send && remote.recv, wanted.recv && remote.send);
    const target = remoteTarget(offer, m, index);
    const mux = target.rtcpMux && (local.rtcpMux ?? true);
    const previous = local.srtp?.answerKey;
    // A re-INVITE keeps our key (and with it the SRTP rollover state) when nothing changed.
    const localKey = !remoteKey ? undefined : previous && previous.suite === remoteKey.suite && previous.tag === remoteKey.tag ? previous : generateSdesCrypto(remoteKey.suite, remoteKey.tag);
    answer.media.push(audioMedia(local, m.protocol, codecs, te ? [te] : [], direction, mux, localKey ? [localKey] : []));
    negotiated = { ...target, rtcpMux: mux, sendCodec: codecs[0], codecs, direction };
    if (te) negotiated.telephoneEvent = te;
    if (remoteKey && localKey) negotiated.srtp = { local: localKey, remote: remoteKey };
    return undefined;
  });
  if (!negotiated) throw new SdpError('INCOMPATIBLE', 'SDP offer has no audio m-line with a common codec, protocol and crypto suite', { media: offer.media.map((m) => `${m.type} ${m.protocol}`) });
  return { answer, negotiated };
}

/** Reads the answer to an offer we made (`offer`, with our `offerCrypto` keys). */
export function applyAnswerSdp(offer: SdpSession, offerCrypto: readonly SdesCrypto[], answer: SdpSession, local: LocalMediaDescription): NegotiatedMedia {
  const index = offer.media.findIndex((m) => m.type === 'audio' && m.port !== 0);
  const m = answer.media[index];
  if (index < 0 || !m) throw new SdpError('ANSWER_MISMATCH', `SDP answer has ${answer.media.length} m-lines; the audio offer was m-line ${index}`);
  if (m.port === 0) throw new SdpError('REJECTED', 'SDP answer rejected the audio stream (port 0)');
  const codecs = intersectCodecs(m, local.codecs);
  if (codecs.length === 0) throw new SdpError('INCOMPATIBLE', `SDP answer lists no codec we offered: ${m.formats.join(' ')}`);
  const target = remoteTarget(answer, m, index);
  const remote = remoteFlags(answer, m);
  const wanted = dirFlags(local.direction);
  const negotiated: NegotiatedMedia = { ...target, rtcpMux: target.rtcpMux && (local.rtcpMux ?? true), sendCodec: codecs[0], codecs, direction: toDirection(wanted.send && remote.recv, wanted.recv && remote.send) };
  const te = local.telephoneEvent === false ? undefined : findTelephoneEvent(m, codecs[0].clockRate);
  if (te) negotiated.telephoneEvent = te;
  const remoteKey = getAttributes(m.attributes, 'crypto').map((a) => parseSdesCrypto(a.value ?? '')).find((c) => c !== undefined);
  if (remoteKey || m.protocol.includes('SAVP')) {
    const localKey = remoteKey && offerCrypto.find((c) => c.tag === remoteKey.tag && c.suite === remoteKey.suite);
    if (!remoteKey || !localKey) throw new SdpError('CRYPTO_MISMATCH', 'SDP answer uses SRTP but its a=crypto matches none of our offered tags/suites');
    negotiated.srtp = { local: localKey, remote: remoteKey };
  } else if (local.srtp?.mode === 'required') {
    throw new SdpError('CRYPTO_MISMATCH', `SDP answer chose ${m.protocol} without a=crypto but SRTP is required`);
  }
  return negotiated;
}
