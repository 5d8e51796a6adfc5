import { expect } from 'chai';
import { ProtectionProfileAes128CmHmacSha1_80, RtpHeader, RtpPacket, SrtpSession } from 'werift-rtp';
import { SrtpTransform, generateSdesCrypto, mkiBytes, parseSdesCrypto, serializeSdesCrypto } from '../../src/index.js';
import type { SrtpSuite } from '../../src/index.js';
import { buildCompound, writeRtpHeader } from '../../src/rtp/index.js';

function rtp(seq: number, payload: Buffer, ssrc = 0x11223344): Buffer {
  const buf = Buffer.alloc(12 + payload.length);
  writeRtpHeader(buf, 0, false, seq, seq * 160, ssrc);
  payload.copy(buf, 12);
  return buf;
}

function pair(suite: SrtpSuite): [SrtpTransform, SrtpTransform] {
  const a = generateSdesCrypto(suite, 1);
  const b = generateSdesCrypto(suite, 1);
  return [new SrtpTransform(a, b), new SrtpTransform(b, a)];
}

describe('SRTP (RFC 3711) with SDES keys', () => {
  it('parses and serializes a=crypto with lifetime and MKI', () => {
    const text = '1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4';
    const c = parseSdesCrypto(text);
    expect(c).to.include({ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', lifetime: '2^20', mki: '1:4' });
    expect(serializeSdesCrypto(c!)).to.equal(text);
    expect(parseSdesCrypto('2 F8_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz')).to.equal(undefined);
    expect(() => parseSdesCrypto('1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=')).to.throw().with.property('code', 'RVOIP_ERR_SRTP_SDES_PARSE');
  });

  it('produces the same _80 bytes as werift-rtp and decrypts werift packets', () => {
    const a = generateSdesCrypto('AES_CM_128_HMAC_SHA1_80', 1);
    const b = generateSdesCrypto('AES_CM_128_HMAC_SHA1_80', 1);
    const ours = new SrtpTransform(a, b);
    const theirs = new SrtpSession({ keys: { localMasterKey: a.masterKey, localMasterSalt: a.masterSalt, remoteMasterKey: b.masterKey, remoteMasterSalt: b.masterSalt }, profile: ProtectionProfileAes128CmHmacSha1_80 });
    const peer = new SrtpTransform(b, a);
    for (let seq = 65530; seq < 65546; seq++) {
      const plain = rtp(seq & 0xffff, Buffer.from(`payload ${seq}`));
      const pkt = RtpPacket.deSerialize(plain);
      const werift = theirs.encrypt(pkt.payload, new RtpHeader({ ...pkt.header }));
      const mine = ours.protectRtp(plain);
      expect(mine.equals(werift)).to.equal(true, `seq ${seq}`);
      expect(peer.unprotectRtp(Buffer.from(werift))?.equals(plain)).to.equal(true);
    }
  });

  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
    it(`${suite}: round-trips RTP across a rollover and SRTCP both ways`, () => {
      const [a, b] = pair(suite);
      const tag = suite.endsWith('_32') ? 4 : 10;
      for (const seq of [65534, 65535, 0, 1, 2]) {
        const plain = rtp(seq, Buffer.alloc(160, seq & 0xff));
        const prot = a.protectRtp(plain);
        expect(prot.length).to.equal(plain.length + tag);
        expect(prot.subarray(12, 172).equals(plain.subarray(12))).to.equal(false);
        expect(b.unprotectRtp(prot)?.equals(plain)).to.equal(true);
      }
      const rtcp = buildCompound({ ssrc: 7, cname: 'x@y', blocks: [] });
      expect(a.unprotectRtcp(b.protectRtcp(rtcp))?.equals(rtcp)).to.equal(true);
    });
  }

  it('carries an MKI between payload and tag on SRTP and SRTCP when the keys declare one', () => {
    const a = { ...generateSdesCrypto('AES_CM_128_HMAC_SHA1_32', 1), mki: '258:2' };
    const b = { ...generateSdesCrypto('AES_CM_128_HMAC_SHA1_32', 1), mki: '7:4' };
    expect(mkiBytes(a)).to.deep.equal(Buffer.from([1, 2]));
    const ta = new SrtpTransform(a, b);
    const tb = new SrtpTransform(b, a);
    const plain = rtp(9, Buffer.alloc(160, 3));
    const prot = ta.protectRtp(plain);
    expect(prot.length).to.equal(plain.length + 2 + 4);
    expect(prot.subarray(plain.length, plain.length + 2)).to.deep.equal(Buffer.from([1, 2]));
    expect(tb.unprotectRtp(prot)?.equals(plain)).to.equal(true);
    const back = tb.protectRtp(rtp(10, Buffer.alloc(20, 4)));
    expect(back.subarray(32, 36)).to.deep.equal(Buffer.from([0, 0, 0, 7]));
    expect(ta.unprotectRtp(back)?.length).to.equal(32);
    const rtcp = buildCompound({ ssrc: 7, cname: 'x@y', blocks: [] });
    expect(tb.unprotectRtcp(ta.protectRtcp(rtcp))?.equals(rtcp)).to.equal(true);
    expect(() => mkiBytes({ ...a, mki: '1:0' })).to.throw().with.property('code', 'RVOIP_ERR_SRTP_SDES_MKI');
  });

  it('rejects replays: duplicates and packets older than the 64-packet window, but accepts reordering', () => {
    const [a, b] = pair('AES_CM_128_HMAC_SHA1_80');
    const prot = new Map<number, Buffer>();
    for (let seq = 100; seq < 200; seq++) prot.set(seq, a.protectRtp(rtp(seq, Buffer.alloc(20, seq & 0xff))));
    const take = (seq: number): Buffer | undefined => b.unprotectRtp(Buffer.from(prot.get(seq)!));
    expect(take(101)).to.not.equal(undefined);
    expect(take(100)).to.not.equal(undefined);
    expect(take(101)).to.equal(undefined);
    expect(take(150)).to.not.equal(undefined);
    expect(take(120)).to.not.equal(undefined);
    expect(take(120)).to.equal(undefined);
    expect(take(199)).to.not.equal(undefined);
    expect(take(136)).to.not.equal(undefined);
    expect(take(135)).to.equal(undefined);
  });

  it('rejects packets under a wrong key, a tampered payload and a truncated packet', () => {
    const [a] = pair('AES_CM_128_HMAC_SHA1_80');
    const [, wrong] = pair('AES_CM_128_HMAC_SHA1_80');
    const prot = a.protectRtp(rtp(10, Buffer.alloc(160, 1)));
    expect(wrong.unprotectRtp(Buffer.from(prot))).to.equal(undefined);
    expect(wrong.unprotectRtcp(a.protectRtcp(buildCompound({ ssrc: 7, cname: 'c', blocks: [] })))).to.equal(undefined);
    expect(wrong.unprotectRtp(Buffer.alloc(8))).to.equal(undefined);
  });
});
