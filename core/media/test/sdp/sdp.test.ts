import { expect } from 'chai';
import { parseSdp, serializeSdp, getDirection, getRtpMaps, getFmtp, getConnection, isLegacyHold, getRtcpTarget } from '../../src/sdp/index.js';
import { BARESIP_OFFER, CISCO_OFFER, WEBRTC_OFFER_IPV6, LEGACY_HOLD_OFFER } from './fixtures.js';

describe('SDP parse/serialize', () => {
  for (const [name, text] of Object.entries({ BARESIP_OFFER, CISCO_OFFER, WEBRTC_OFFER_IPV6, LEGACY_HOLD_OFFER })) {
    it(`round-trips ${name} byte for byte`, () => {
      expect(serializeSdp(parseSdp(text))).to.equal(text);
    });
  }

  it('reads rtpmaps, static payload types and fmtp from a Cisco offer', () => {
    const sdp = parseSdp(CISCO_OFFER);
    expect(sdp.media).to.have.length(2);
    const audio = sdp.media[0];
    const maps = getRtpMaps(audio);
    expect(maps.get(18)).to.deep.equal({ payloadType: 18, encoding: 'G729', clockRate: 8000, channels: 1 });
    expect(maps.get(102)?.clockRate).to.equal(16000);
    expect(getFmtp(audio, 116)).to.equal('mode=20');
    expect(getConnection(sdp, audio)?.address).to.equal('10.10.1.40');
    expect(sdp.media[1].port).to.equal(0);
    expect(sdp.bandwidths).to.deep.equal([{ type: 'AS', value: 4064 }]);
  });

  it('reads IPv6 connection, rtcp attribute, rtcp-mux and opus channels from a WebRTC offer', () => {
    const sdp = parseSdp(WEBRTC_OFFER_IPV6);
    const audio = sdp.media[0];
    expect(getConnection(sdp, audio)).to.deep.equal({ netType: 'IN', addrType: 'IP6', address: '2001:db8::7' });
    expect(getRtpMaps(audio).get(111)).to.include({ encoding: 'opus', clockRate: 48000, channels: 2 });
    expect(getRtcpTarget(audio)).to.deep.equal({ port: 9, mux: true });
    expect(sdp.attributes[0]).to.deep.equal({ name: 'group', value: 'BUNDLE 0' });
  });

  it('defaults the direction to sendrecv and detects legacy c=0.0.0.0 hold', () => {
    const sdp = parseSdp(LEGACY_HOLD_OFFER);
    expect(getDirection(sdp, sdp.media[0])).to.equal('sendrecv');
    expect(isLegacyHold(getConnection(sdp, sdp.media[0]))).to.equal(true);
    expect(getRtpMaps(sdp.media[0]).get(0)?.encoding).to.equal('PCMU');
  });

  it('accepts LF-only line endings', () => {
    const sdp = parseSdp(BARESIP_OFFER.replace(/\r\n/g, '\n'));
    expect(sdp.media[0].formats).to.deep.equal(['111', '9', '0', '8', '101']);
  });

  it('rejects malformed lines with a coded error naming the line', () => {
    expect(() => parseSdp('v=0\r\no=a b\r\n')).to.throw(/line 2/).with.property('code', 'RVOIP_ERR_SDP_PARSE');
    expect(() => parseSdp('v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio 99999 RTP/AVP 0\r\n')).to.throw(/invalid port/);
    expect(() => parseSdp('o=- 1 1 IN IP4 1.2.3.4\r\n')).to.throw(/no v= line/);
    expect(() => parseSdp('v=0\r\no=- 1 1 IN IP9 1.2.3.4\r\n')).to.throw(/address type/);
  });
});
