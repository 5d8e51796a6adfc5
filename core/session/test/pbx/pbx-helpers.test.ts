import { expect } from 'chai';
import { bestFailure, codecPreference, offeredCodecs, referTargetFor, relaySdp, userOf } from '@rvoip/session';

describe('session/pbx helpers', () => {
  it('takes the user part of a Request-URI, unescaped, and nothing from a host-only URI', () => {
    expect(userOf('sip:1002@pbx.example;transport=udp')).to.equal('1002');
    expect(userOf('sips:al%69ce@pbx.example:5061')).to.equal('alice');
    expect(userOf('sip:pbx.example')).to.equal(undefined);
  });

  it('lists the audio codecs of an offer in its order, ours only, static payload types included', () => {
    const sdp = 'v=0\r\nm=audio 4000 RTP/AVP 8 96 0 18 101\r\na=rtpmap:96 opus/48000/2\r\na=rtpmap:18 G729/8000\r\na=rtpmap:101 telephone-event/8000\r\n';
    expect(offeredCodecs(sdp)).to.deep.equal(['pcma', 'opus', 'pcmu']);
    expect(offeredCodecs(undefined)).to.deep.equal([]);
    expect(codecPreference(['pcma'])).to.deep.equal(['pcma', 'pcmu', 'g722', 'opus']);
  });

  it('answers the caller with the best fork failure (RFC 3261 16.7)', () => {
    expect(bestFailure([480, 603, 486]).code).to.equal(603);
    expect(bestFailure([480, 486, 404]).code).to.equal(486);
    expect(bestFailure([480, 404]).code).to.equal(404);
    expect(bestFailure([408, 487]).code).to.equal(480);
  });

  it('points REFER targets in our domain at our own listening address, others untouched', () => {
    const map = referTargetFor('pbx.example', { host: '0.0.0.0', port: 5080 });
    expect(map('sip:1003@pbx.example')).to.equal('sip:1003@127.0.0.1:5080');
    expect(map('sip:1003@PBX.example:5060;transport=udp')).to.equal('sip:1003@127.0.0.1:5080;transport=udp');
    expect(map('sip:bob@elsewhere.example')).to.equal('sip:bob@elsewhere.example');
    expect(referTargetFor('pbx.example', { host: '::1', port: 5080 })('sip:1@pbx.example')).to.equal('sip:1@[::1]:5080');
  });

  it('relays an SDP with our origin line and the audio direction asked for, codecs untouched', () => {
    const phone = 'v=0\r\no=alice 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\nm=video 0 RTP/AVP 96\r\n';
    const out = relaySdp(phone, 'sendonly', 42, 3);
    expect(out).to.equal('v=0\r\no=rvoip 42 3 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=sendonly\r\nm=video 0 RTP/AVP 96\r\n');
  });
});
