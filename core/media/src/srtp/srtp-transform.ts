/**
 * SRTP/SRTCP protect and unprotect (RFC 3711) for the SDES suites of RFC 4568.
 *
 * Session keys come from werift-rtp's SRTP contexts (its RFC 3711 4.3 key derivation) and
 * SRTCP runs through werift's SrtcpSession, whose 80-bit tag both suites use for RTCP
 * (RFC 4568 6.2). The RTP path is our own because werift fixes the RTP tag at 80 bits,
 * which rules out AES_CM_128_HMAC_SHA1_32, and because it re-serializes the header per
 * packet; tests check our _80 output against werift's own SrtpSession byte for byte.
 */
import { createCipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { ProtectionProfileAes128CmHmacSha1_80, SrtcpSession, SrtpSession } from 'werift-rtp';
import type { SdesCrypto } from './sdes.js';
import { mkiBytes } from './sdes.js';

interface RemoteSsrcState {
  roc: number;
  /** Highest sequence number seen (s_l in RFC 3711 3.3.1). */
  sl: number;
  /** Replay window (RFC 3711 3.3.2): highest packet index and a 64-bit mask below it. */
  highest: number;
  maskLo: number;
  maskHi: number;
}

const REPLAY_WINDOW = 64;
const SRTCP_TAG = 10;

/** True when `index` is too old for the window or was already accepted. */
function isReplay(s: RemoteSsrcState, index: number): boolean {
  if (index > s.highest) return false;
  const d = s.highest - index;
  if (d >= REPLAY_WINDOW) return true;
  return ((d < 32 ? s.maskLo >>> d : s.maskHi >>> (d - 32)) & 1) === 1;
}

function markReceived(s: RemoteSsrcState, index: number): void {
  if (index > s.highest) {
    const n = index - s.highest;
    if (n >= REPLAY_WINDOW) {
      s.maskLo = 0;
      s.maskHi = 0;
    } else if (n >= 32) {
      s.maskHi = (s.maskLo << (n - 32)) >>> 0;
      s.maskLo = 0;
    } else {
      s.maskHi = ((s.maskHi << n) | (s.maskLo >>> (32 - n))) >>> 0;
      s.maskLo = (s.maskLo << n) >>> 0;
    }
    s.highest = index;
  }
  const d = s.highest - index;
  if (d < 32) s.maskLo = (s.maskLo | (1 << d)) >>> 0;
  else s.maskHi = (s.maskHi | (1 << (d - 32))) >>> 0;
}

interface SessionKeys {
  key: Buffer;
  salt: Buffer;
  auth: Buffer;
}

/** Byte length of the RTP header including CSRCs and extension, or -1 if malformed. */
function rtpHeaderLength(buf: Buffer, len: number): number {
  if (len < 12 || buf[0] >> 6 !== 2) return -1;
  let offset = 12 + (buf[0] & 0x0f) * 4;
  if (buf[0] & 0x10) {
    if (len < offset + 4) return -1;
    offset += 4 + buf.readUInt16BE(offset + 2) * 4;
  }
  return offset <= len ? offset : -1;
}

export class SrtpTransform {
  readonly tagLength: number;
  /** MKI we append (our key's) and the MKI length the peer appends (RFC 3711 3.1). */
  private readonly txMki: Buffer | undefined;
  private readonly rxMkiLength: number;
  private readonly tx: SessionKeys;
  private readonly rx: SessionKeys;
  private readonly srtcp: SrtcpSession;
  private txRoc = 0;
  private txLastSeq = -1;
  private readonly remoteStates = new Map<number, RemoteSsrcState>();
  private readonly iv = Buffer.alloc(16);
  private readonly rocBuf = Buffer.alloc(4);

  constructor(local: SdesCrypto, remote: SdesCrypto) {
    this.tagLength = local.suite === 'AES_CM_128_HMAC_SHA1_32' ? 4 : 10;
    this.txMki = mkiBytes(local);
    this.rxMkiLength = mkiBytes(remote)?.length ?? 0;
    const config = {
      keys: { localMasterKey: local.masterKey, localMasterSalt: local.masterSalt, remoteMasterKey: remote.masterKey, remoteMasterSalt: remote.masterSalt },
      profile: ProtectionProfileAes128CmHmacSha1_80,
    };
    const derived = new SrtpSession(config);
    this.tx = { key: derived.localContext.srtpSessionKey, salt: derived.localContext.srtpSessionSalt, auth: derived.localContext.srtpSessionAuthTag };
    this.rx = { key: derived.remoteContext.srtpSessionKey, salt: derived.remoteContext.srtpSessionSalt, auth: derived.remoteContext.srtpSessionAuthTag };
    this.srtcp = new SrtcpSession(config);
  }

  private keystreamIv(salt: Buffer, ssrc: number, roc: number, seq: number): Buffer {
    const iv = this.iv;
    iv.fill(0);
    iv.writeUInt32BE(ssrc >>> 0, 4);
    iv.writeUInt32BE(roc >>> 0, 8);
    iv.writeUInt16BE(seq, 12);
    for (let i = 0; i < 14; i++) iv[i] ^= salt[i];
    return iv;
  }

  private tag(keys: SessionKeys, authenticated: Buffer, roc: number): Buffer {
    this.rocBuf.writeUInt32BE(roc >>> 0, 0);
    return createHmac('sha1', keys.auth).update(authenticated).update(this.rocBuf).digest().subarray(0, this.tagLength);
  }

  /** A new local SSRC starts its own rollover counter (RFC 3711 3.3.1). */
  resetSender(): void {
    this.txRoc = 0;
    this.txLastSeq = -1;
  }

  /** Encrypts and authenticates a complete RTP packet; returns a new buffer. */
  protectRtp(packet: Buffer): Buffer {
    const headerLen = rtpHeaderLength(packet, packet.length);
    const seq = packet.readUInt16BE(2);
    if (this.txLastSeq >= 0 && seq < this.txLastSeq && this.txLastSeq - seq > 0x8000) this.txRoc = (this.txRoc + 1) >>> 0;
    this.txLastSeq = seq;
    const mkiLen = this.txMki?.length ?? 0;
    const out = Buffer.allocUnsafe(packet.length + mkiLen + this.tagLength);
    packet.copy(out, 0, 0, headerLen);
    const iv = this.keystreamIv(this.tx.salt, packet.readUInt32BE(8), this.txRoc, seq);
    const cipher = createCipheriv('aes-128-ctr', this.tx.key, iv);
    cipher.update(packet.subarray(headerLen)).copy(out, headerLen);
    // The MKI sits between payload and tag and is not authenticated.
    if (this.txMki) this.txMki.copy(out, packet.length);
    this.tag(this.tx, out.subarray(0, packet.length), this.txRoc).copy(out, packet.length + mkiLen);
    return out;
  }

  /**
   * Authenticates and decrypts in place; undefined when the tag is wrong, the packet is
   * malformed or a replay (duplicate or older than the 64-packet window).
   */
  unprotectRtp(packet: Buffer): Buffer | undefined {
    const tagStart = packet.length - this.tagLength;
    const authLen = tagStart - this.rxMkiLength;
    const headerLen = rtpHeaderLength(packet, authLen);
    if (headerLen < 0) return undefined;
    const seq = packet.readUInt16BE(2);
    const ssrc = packet.readUInt32BE(8);
    const state = this.remoteStates.get(ssrc);
    let roc = 0;
    if (state) {
      // RFC 3711 3.3.1: guess the rollover counter from the highest sequence seen.
      roc = state.roc;
      if (state.sl < 0x8000) {
        if (seq - state.sl > 0x8000) roc = (state.roc - 1) >>> 0;
      } else if (state.sl - 0x8000 > seq) {
        roc = (state.roc + 1) >>> 0;
      }
    }
    const index = roc * 0x10000 + seq;
    if (state && isReplay(state, index)) return undefined;
    const expected = this.tag(this.rx, packet.subarray(0, authLen), roc);
    if (!timingSafeEqual(expected, packet.subarray(tagStart))) return undefined;
    const iv = this.keystreamIv(this.rx.salt, ssrc, roc, seq);
    const decipher = createCipheriv('aes-128-ctr', this.rx.key, iv);
    decipher.update(packet.subarray(headerLen, authLen)).copy(packet, headerLen);
    if (!state) {
      const fresh: RemoteSsrcState = { roc, sl: seq, highest: index, maskLo: 1, maskHi: 0 };
      this.remoteStates.set(ssrc, fresh);
    } else {
      markReceived(state, index);
      if (roc === state.roc && seq > state.sl) state.sl = seq;
      else if (roc === ((state.roc + 1) >>> 0)) {
        state.roc = roc;
        state.sl = seq;
      }
    }
    return packet.subarray(0, authLen);
  }

  /** SRTCP always carries an 80-bit tag (RFC 4568 6.2); werift does not know MKIs, so we splice it. */
  protectRtcp(packet: Buffer): Buffer {
    const out = this.srtcp.encrypt(packet);
    if (!this.txMki) return out;
    return Buffer.concat([out.subarray(0, out.length - SRTCP_TAG), this.txMki, out.subarray(out.length - SRTCP_TAG)]);
  }

  unprotectRtcp(packet: Buffer): Buffer | undefined {
    let input = packet;
    if (this.rxMkiLength) {
      const tagStart = packet.length - SRTCP_TAG;
      if (tagStart - this.rxMkiLength < 8) return undefined;
      input = Buffer.concat([packet.subarray(0, tagStart - this.rxMkiLength), packet.subarray(tagStart)]);
    }
    try {
      return this.srtcp.decrypt(input);
    } catch {
      return undefined;
    }
  }
}
