import { expect } from 'chai';
import type { LocalMediaDescription, SdpCodecSpec } from '../../src/sdp/index.js';
import { applyAnswerSdp, createAnswerSdp, createOfferCrypto, createOfferSdp, getDirection, getRtpMaps, parseSdp, serializeSdp } from '../../src/sdp/index.js';
import { BARESIP_OFFER, CISCO_OFFER, LEGACY_HOLD_OFFER, WEBRTC_OFFER_IPV6 } from './fixtures.js';

const PCMU: SdpCodecSpec = { name: 'PCMU', clockRate: 8000, channels: 1, payloadType: 0 };
const PCMA: SdpCodecSpec = { name: 'PCMA', clockRate: 8000, channels: 1, payloadType: 8 };
const G722: SdpCodecSpec = { name: 'G722', clockRate: 8000, channels: 1, payloadType: 9 };
const OPUS: SdpCodecSpec = { name: 'opus', clockRate: 48000, channels: 2, payloadType: 96, fmtp: 'useinbandfec=1' };

function local(over: Partial<LocalMediaDescription> = {}): LocalMediaDescription {
  return { address: '127.0.0.1', port: 20000, codecs: [OPUS, G722, PCMU, PCMA], direction: 'sendrecv', sessionId: '42', sessionVersion: '1', ...over };
}

describe('SDP offer/answer (RFC 3264)', () => {
  it('answers a baresip offer with the offer order and remaps opus to the offered dynamic PT 111', () => {
    const { answer, negotiated } = createAnswerSdp(parseSdp(BARESIP_OFFER), local());
    const m = answer.media[0];
    expect(m.formats).to.deep.equal(['111', '9', '0', '8', '101']);
    expect(getRtpMaps(m).get(111)).to.include({ encoding: 'opus', clockRate: 48000, channels: 2 });
    expect(negotiated.sendCodec).to.include({ name: 'opus', payloadType: 111 });
    expect(negotiated.telephoneEvent).to.deep.equal({ payloadType: 101, clockRate: 8000, events: '0-15' });
    expect(negotiated.remoteAddress).to.equal('192.168.1.23');
    expect(negotiated.remotePort).to.equal(10318);
    expect(negotiated.remoteRtcpPort).to.equal(10319);
    expect(negotiated.rtcpMux).to.equal(false);
    expect(negotiated.direction).to.equal('sendrecv');
    expect(serializeSdp(answer)).to.match(/a=ptime:20\r\n/);
  });

  it('intersects with a G.711-only engine and rejects the Cisco video m-line with port 0', () => {
    const { answer, negotiated } = createAnswerSdp(parseSdp(CISCO_OFFER), local({ codecs: [PCMA, PCMU] }));
    expect(answer.media).to.have.length(2);
    expect(answer.media[0].formats).to.deep.equal(['0', '8', '101']);
    expect(answer.media[1].port).to.equal(0);
    expect(answer.media[1].type).to.equal('video');
    expect(negotiated.sendCodec.name).to.equal('PCMU');
    expect(negotiated.codecs.map((c) => c.name)).to.deep.equal(['PCMU', 'PCMA']);
  });

  it('rejects an unsupported transport (DTLS WebRTC) and reports incompatibility', () => {
    const offer = parseSdp(WEBRTC_OFFER_IPV6.replace('RTP/SAVPF', 'UDP/TLS/RTP/SAVPF'));
    expect(() => createAnswerSdp(offer, local())).to.throw().with.property('code', 'RVOIP_ERR_SDP_INCOMPATIBLE');
  });

  it('answers an SDES WebRTC offer over IPv6 with telephone-event at 48 kHz, rtcp-mux and a fresh key', () => {
    const { answer, negotiated } = createAnswerSdp(parseSdp(WEBRTC_OFFER_IPV6), local({ address: '::1', srtp: { mode: 'optional', suites: ['AES_CM_128_HMAC_SHA1_80'] } }));
    expect(answer.connection).to.deep.equal({ netType: 'IN', addrType: 'IP6', address: '::1' });
    expect(answer.media[0].protocol).to.equal('RTP/SAVPF');
    expect(negotiated.telephoneEvent?.payloadType).to.equal(110);
    expect(negotiated.rtcpMux).to.equal(true);
    expect(negotiated.remoteAddress).to.equal('2001:db8::7');
    expect(negotiated.srtp?.remote.tag).to.equal(1);
    expect(negotiated.srtp?.local.masterKey.equals(negotiated.srtp.remote.masterKey)).to.equal(false);
    expect(answer.media[0].formats).to.not.include('63');
  });

  it('skips a=crypto lines with session parameters it does not implement', () => {
    const text = WEBRTC_OFFER_IPV6.replace('|2^31|1:1\r\n', '|2^31|1:1 KDR=10\r\na=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n');
    const { negotiated } = createAnswerSdp(parseSdp(text), local({ srtp: { mode: 'optional', suites: ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] } }));
    expect(negotiated.srtp?.remote).to.include({ tag: 2, suite: 'AES_CM_128_HMAC_SHA1_32' });
    expect(negotiated.srtp?.local.tag).to.equal(2);
  });

  it('rejects an SRTP offer when SRTP is off, and a plain offer when SRTP is required', () => {
    expect(() => createAnswerSdp(parseSdp(WEBRTC_OFFER_IPV6), local())).to.throw().with.property('code', 'RVOIP_ERR_SDP_INCOMPATIBLE');
    expect(() => createAnswerSdp(parseSdp(BARESIP_OFFER), local({ srtp: { mode: 'required', suites: ['AES_CM_128_HMAC_SHA1_80'] } }))).to.throw(/no audio m-line/);
  });

  it('returns 0 common codecs as incompatible', () => {
    const offer = parseSdp(BARESIP_OFFER.replace('m=audio 10318 RTP/AVP 111 9 0 8 101', 'm=audio 10318 RTP/AVP 18 101'));
    expect(() => createAnswerSdp(offer, local())).to.throw().with.property('code', 'RVOIP_ERR_SDP_INCOMPATIBLE');
  });

  const holdCases: Array<[string, string]> = [['sendonly', 'recvonly'], ['recvonly', 'sendonly'], ['inactive', 'inactive'], ['sendrecv', 'sendrecv']];
  for (const [offered, expected] of holdCases) {
    it(`answers a=${offered} with a=${expected}`, () => {
      const offer = parseSdp(BARESIP_OFFER.replace('a=sendrecv', `a=${offered}`));
      const { answer, negotiated } = createAnswerSdp(offer, local());
      expect(getDirection(answer, answer.media[0])).to.equal(expected);
      expect(negotiated.direction).to.equal(expected);
    });
  }

  it('treats legacy c=0.0.0.0 hold as "do not send to me"', () => {
    const { answer, negotiated } = createAnswerSdp(parseSdp(LEGACY_HOLD_OFFER), local());
    expect(negotiated.direction).to.equal('recvonly');
    expect(getDirection(answer, answer.media[0])).to.equal('recvonly');
    expect(negotiated.telephoneEvent?.events).to.equal('0-16');
  });

  it('runs a full offer -> answer -> apply round with SRTP _32 and agrees on keys both ways', () => {
    const a = local({ port: 30000, srtp: { mode: 'required', suites: ['AES_CM_128_HMAC_SHA1_32', 'AES_CM_128_HMAC_SHA1_80'] } });
    const keys = createOfferCrypto(a);
    const offerText = serializeSdp(createOfferSdp(a, keys));
    expect(offerText).to.match(/m=audio 30000 RTP\/SAVP 96 9 0 8 101 102\r\n/);
    expect(offerText).to.match(/a=rtpmap:101 telephone-event\/8000\r\n/);
    expect(offerText).to.match(/a=rtpmap:102 telephone-event\/48000\r\n/);
    expect(offerText).to.match(/a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:/);
    const b = local({ port: 40000, codecs: [PCMA, PCMU], srtp: { mode: 'required', suites: ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] } });
    const { answer, negotiated: nb } = createAnswerSdp(parseSdp(offerText), b);
    const na = applyAnswerSdp(parseSdp(offerText), keys, parseSdp(serializeSdp(answer)), a);
    expect(na.sendCodec.name).to.equal('PCMU');
    expect(nb.sendCodec.name).to.equal('PCMU');
    expect(na.remotePort).to.equal(40000);
    expect(na.rtcpMux).to.equal(true);
    expect(na.srtp?.local.suite).to.equal('AES_CM_128_HMAC_SHA1_32');
    expect(na.srtp?.remote.masterKey.equals(nb.srtp!.local.masterKey)).to.equal(true);
    expect(nb.srtp?.remote.masterKey.equals(na.srtp!.local.masterKey)).to.equal(true);
  });

  it('offers telephone-event per codec clock so DTMF works whichever codec the answer picks', () => {
    const a = local({ codecs: [OPUS, PCMU] });
    const offer = createOfferSdp(a);
    const opusSide = createAnswerSdp(offer, local({ codecs: [OPUS] })).negotiated;
    expect(opusSide.telephoneEvent).to.include({ payloadType: 102, clockRate: 48000 });
    const { answer, negotiated } = createAnswerSdp(offer, local({ codecs: [PCMU] }));
    expect(negotiated.telephoneEvent).to.include({ payloadType: 101, clockRate: 8000 });
    expect(applyAnswerSdp(offer, [], answer, a).telephoneEvent).to.include({ payloadType: 101, clockRate: 8000 });
    // A PT our codecs already use is skipped.
    expect(getRtpMaps(createOfferSdp(local({ codecs: [PCMU], telephoneEvent: { payloadType: 0, events: '0-15' } })).media[0]).get(1)?.encoding).to.equal('telephone-event');
  });

  it('applies a hold answer (offer sendonly -> answer recvonly) and a rejected answer', () => {
    const a = local({ direction: 'sendonly' });
    const offer = createOfferSdp(a);
    const { answer } = createAnswerSdp(offer, local({ port: 40000 }));
    expect(getDirection(answer, answer.media[0])).to.equal('recvonly');
    expect(applyAnswerSdp(offer, [], answer, a).direction).to.equal('sendonly');
    answer.media[0].port = 0;
    expect(() => applyAnswerSdp(offer, [], answer, a)).to.throw().with.property('code', 'RVOIP_ERR_SDP_REJECTED');
  });

  it('offers legacy hold as c=0.0.0.0', () => {
    const text = serializeSdp(createOfferSdp(local({ legacyHold: true, direction: 'sendonly' })));
    expect(text).to.match(/c=IN IP4 0\.0\.0\.0\r\n/);
    expect(text).to.match(/o=rvoip 42 1 IN IP4 127\.0\.0\.1\r\n/);
  });
});
