/**
 * One RTP/RTCP endpoint on a bound port pair: sends with our SSRC/sequence, receives with
 * symmetric latching (RFC 4961 style: reply to where the peer's first valid packet came
 * from, since SDP addresses lie behind NAT), follows SSRC changes, and runs RTCP.
 * The receive path reuses one header object and does no per-packet allocation of its own.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '@rvoip/contracts';
import { silentLogger } from '@rvoip/contracts';
import type { SrtpTransform } from '../srtp/srtp-transform.js';
import type { PortPair } from './port-allocator.js';
import type { UdpSource } from '../udp/udp-endpoint.js';
import type { RtpHeaderFields } from './rtp-header.js';
import { RTP_HEADER_SIZE, createRtpHeaderFields, isRtcpPacket, readRtpHeader, writeRtpHeader } from './rtp-header.js';
import { ReceiveStats } from './receive-stats.js';
import { RtcpReporter } from './rtcp-reporter.js';
import { SentHistory } from './sent-history.js';
import type { RtcpOptions } from './rtcp-reporter.js';

export interface RtpTarget {
  address: string;
  port: number;
  rtcpAddress: string;
  rtcpPort: number;
  rtcpMux: boolean;
}

export interface RtpSessionOptions {
  pair: PortPair;
  cname: string;
  /** RTP clock of the main audio payload, for jitter and SR timestamps. */
  clockRate: number;
  rtcp?: Partial<RtcpOptions>;
  logger?: Logger;
  /** Reply to the source of the first valid packet instead of the SDP address (default true). */
  symmetric?: boolean;
  /** Payload types whose packets do not feed the jitter estimate (telephone-event). */
  isJitterExempt?: (payloadType: number) => boolean;
}

export interface RtpSessionHandlers {
  /** `header` is reused for the next packet; copy what you keep. `packet` is yours. */
  onRtp(header: RtpHeaderFields, packet: Buffer, arrivalMs: number): void;
  onSsrcChange?(previous: number, next: number): void;
  onBye?(ssrc: number): void;
}

export interface RtpCounters {
  packetsSent: number;
  bytesSent: number;
  rtcpSent: number;
  rtcpReceived: number;
  ssrcChanges: number;
  droppedUnknownSource: number;
  droppedMalformed: number;
  droppedAuth: number;
  /** Our own packets (RTP and RTCP) that came back to us: the peer loops our stream. */
  loopedBack: number;
}

function sameSource(t: { address: string; port: number } | undefined, rinfo: UdpSource): boolean {
  return t !== undefined && t.port === rinfo.port && t.address === rinfo.address;
}

const noop = (): void => undefined;

function isUnspecified(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

export class RtpSession {
  ssrc: number;
  readonly port: number;
  readonly stats = new ReceiveStats();
  readonly counters: RtpCounters = { packetsSent: 0, bytesSent: 0, rtcpSent: 0, rtcpReceived: 0, ssrcChanges: 0, droppedUnknownSource: 0, droppedMalformed: 0, droppedAuth: 0, loopedBack: 0 };
  readonly reporter: RtcpReporter;
  srtp: SrtpTransform | undefined;
  clockRate: number;
  private seq: number;
  private target: RtpTarget | undefined;
  private rtpLatched: { address: string; port: number } | undefined;
  private rtcpLatched: { address: string; port: number } | undefined;
  private haveSource = false;
  /** The RTP socket is connect()ed to the latched source: cheaper sends, kernel filtering. */
  private connected = false;
  /** The previous peer after a re-target (re-INVITE): never latched to again. */
  private stale: { address: string; port: number } | undefined;
  private handlers: RtpSessionHandlers | undefined;
  private readonly header = createRtpHeaderFields();
  private readonly sent = new SentHistory();
  private readonly symmetric: boolean;
  private readonly logger: Logger;
  private readonly isJitterExempt: (pt: number) => boolean;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Last RTP timestamp sent and when, to extrapolate SR timestamps. */
  lastSentTimestamp = 0;
  lastSentAtMs = 0;

  constructor(private readonly opts: RtpSessionOptions) {
    const rnd = randomBytes(6);
    this.ssrc = rnd.readUInt32BE(0);
    this.seq = rnd.readUInt16BE(4);
    this.port = opts.pair.port;
    this.clockRate = opts.clockRate;
    this.symmetric = opts.symmetric ?? true;
    this.logger = opts.logger ?? silentLogger;
    this.isJitterExempt = opts.isJitterExempt ?? (() => false);
    this.reporter = new RtcpReporter(this, opts.cname, opts.rtcp ?? {}, this.logger);
    opts.pair.rtp.onMessage = (msg, rinfo) => this.onDatagram(msg, rinfo, false);
    opts.pair.rtcp.onMessage = (msg, rinfo) => this.onDatagram(msg, rinfo, true);
    const onError = (err: Error): void => this.logger.warn({ err, port: this.port }, 'RTP socket error');
    opts.pair.rtp.onError = onError;
    opts.pair.rtcp.onError = onError;
  }

  /**
   * Starts a new source: fresh random SSRC and sequence (RFC 3550 8.2 on a collision, or
   * when the media behind this session is replaced). Returns the new SSRC.
   */
  rotateSsrc(): number {
    const rnd = randomBytes(6);
    this.ssrc = rnd.readUInt32BE(0);
    this.seq = rnd.readUInt16BE(4);
    this.sent.clear();
    this.srtp?.resetSender();
    return this.ssrc;
  }

  setHandlers(h: RtpSessionHandlers): void {
    this.handlers = h;
  }

  /** Points the session at a (new) remote; forgets any latch so the peer can move. */
  setRemote(target: RtpTarget): void {
    // RFC 3264 8.4 legacy hold (c=0.0.0.0): keep where we were sending; never send to 0.0.0.0,
    // which Linux would deliver to this very host.
    if (isUnspecified(target.address)) {
      if (this.target) return;
      target = { ...target, address: '', rtcpAddress: '' };
    }
    const changed = !this.target || this.target.address !== target.address || this.target.port !== target.port;
    if (changed) {
      // Packets still in flight from the old peer must not win the new latch.
      this.stale = this.rtpLatched ?? (this.target ? { address: this.target.address, port: this.target.port } : undefined);
      this.rtpLatched = undefined;
      this.rtcpLatched = undefined;
      this.disconnect();
    }
    this.target = target;
    this.reporter.start();
  }

  get remote(): RtpTarget | undefined {
    return this.target;
  }

  get addressFamily(): 'IPv4' | 'IPv6' {
    return this.opts.pair.rtp.family;
  }

  get latchedSource(): { address: string; port: number } | undefined {
    return this.rtpLatched;
  }

  get nextSequence(): number {
    return this.seq;
  }

  /** Builds, protects and sends one packet. `payload` may be reused after return. */
  send(payloadType: number, payload: Buffer, timestamp: number, marker: boolean): void {
    if (!this.canSend()) return;
    const packet = Buffer.allocUnsafe(RTP_HEADER_SIZE + payload.length);
    payload.copy(packet, RTP_HEADER_SIZE);
    this.transmit(packet, payloadType, timestamp, marker);
  }

  /**
   * Sends a packet the caller built with 12 bytes of room for our header in front of the
   * payload (`packet` is handed over): saves the copy `send` makes.
   */
  sendBuilt(payloadType: number, packet: Buffer, timestamp: number, marker: boolean): void {
    if (this.canSend()) this.transmit(packet, payloadType, timestamp, marker);
  }

  /**
   * Sends the payload of a received packet (`h` describes it) as our own: our SSRC and
   * sequence, the given PT/timestamp/marker. A plain 12-byte header is rewritten in place
   * (the packet is ours, its payload bytes stay as they are), so a relay copies nothing.
   */
  relay(packet: Buffer, h: RtpHeaderFields, payloadType: number, timestamp: number, marker: boolean): void {
    if (h.payloadOffset !== RTP_HEADER_SIZE || h.payloadEnd !== packet.length) return this.send(payloadType, packet.subarray(h.payloadOffset, h.payloadEnd), timestamp, marker);
    if (this.canSend()) this.transmit(packet, payloadType, timestamp, marker);
  }

  private canSend(): boolean {
    const t = this.target;
    return !this.closed && t !== undefined && (t.address !== '' || this.rtpLatched !== undefined);
  }

  /** Writes our header over the first 12 bytes of `packet`, protects and sends it. */
  private transmit(rtpPacket: Buffer, payloadType: number, timestamp: number, marker: boolean): void {
    const t = this.target!;
    let packet = rtpPacket;
    writeRtpHeader(packet, payloadType, marker, this.seq, timestamp, this.ssrc);
    this.sent.record(this.seq, timestamp, payloadType);
    this.seq = (this.seq + 1) & 0xffff;
    if (this.srtp) packet = this.srtp.protectRtp(packet);
    if (this.connected) this.opts.pair.rtp.send(packet);
    else {
      const dest = this.rtpLatched ?? t;
      this.opts.pair.rtp.send(packet, dest.port, dest.address);
    }
    this.counters.packetsSent++;
    this.counters.bytesSent += rtpPacket.length - RTP_HEADER_SIZE;
    this.lastSentTimestamp = timestamp;
    this.lastSentAtMs = Date.now();
  }

  /** Sends a compound RTCP packet; `onSent` runs once it left (or could not be sent). */
  sendRtcp(compound: Buffer, onSent?: () => void): void {
    const t = this.target;
    const done = onSent ?? noop;
    if (this.closed || !t || (!t.address && !this.rtpLatched)) return done();
    const packet = this.srtp ? this.srtp.protectRtcp(compound) : compound;
    if (t.rtcpMux) {
      const dest = this.rtpLatched ?? t;
      if (this.connected) this.opts.pair.rtp.sendThen(packet, done);
      else this.opts.pair.rtp.sendThen(packet, done, dest.port, dest.address);
    } else {
      const dest = this.rtcpLatched ?? { address: t.rtcpAddress, port: t.rtcpPort };
      if (!dest.address) return done();
      this.opts.pair.rtcp.sendThen(packet, done, dest.port, dest.address);
    }
    this.counters.rtcpSent++;
  }

  private onDatagram(msg: Buffer, rinfo: UdpSource, onRtcpPort: boolean): void {
    if (this.closed) return;
    if (onRtcpPort || isRtcpPacket(msg)) return this.onRtcp(msg, rinfo, onRtcpPort);
    // Latched elsewhere: only the address the SDP names may take over (a stale packet from
    // the previous peer must not keep a re-INVITEd call pointed at the old address).
    const fromTarget = sameSource(this.target, rinfo);
    if (!fromTarget && ((this.rtpLatched && !sameSource(this.rtpLatched, rinfo)) || sameSource(this.stale, rinfo))) {
      this.counters.droppedUnknownSource++;
      return;
    }
    let packet: Buffer | undefined = msg;
    if (this.srtp) {
      packet = this.srtp.unprotectRtp(msg);
      if (!packet) {
        this.counters.droppedAuth++;
        return;
      }
    }
    const h = this.header;
    if (!readRtpHeader(packet, h)) {
      this.counters.droppedMalformed++;
      return;
    }
    if (this.symmetric && (!this.rtpLatched || (fromTarget && !sameSource(this.rtpLatched, rinfo)))) this.latch(rinfo, fromTarget);
    if (h.ssrc === this.ssrc) {
      // A copy of what we sent is a loop (an echo peer): the looped stream becomes the one
      // receive context, as any remote source would. Only someone else using our SSRC is
      // the RFC 3550 8.2 collision that needs a new one.
      if (this.sent.isOwn(h.sequenceNumber, h.timestamp, h.payloadType)) {
        if (this.counters.loopedBack++ === 0) this.logger.debug({ ssrc: h.ssrc, port: this.port }, 'RTP loop: the peer returns our own stream');
      } else {
        this.logger.debug({ ssrc: h.ssrc, port: this.port }, 'RTP SSRC collision, choosing a new SSRC');
        this.rotateSsrc();
      }
    }
    const now = Date.now();
    if (!this.haveSource || h.ssrc !== this.stats.ssrc) {
      const previous = this.stats.ssrc;
      const hadSource = this.haveSource;
      this.haveSource = true;
      this.stats.reset(h.ssrc, h.sequenceNumber);
      if (hadSource) {
        this.counters.ssrcChanges++;
        this.logger.debug({ previous, next: h.ssrc, port: this.port }, 'RTP SSRC changed');
        this.handlers?.onSsrcChange?.(previous, h.ssrc);
      }
    }
    this.stats.update(h.sequenceNumber, h.payloadEnd - h.payloadOffset);
    if (!this.isJitterExempt(h.payloadType)) this.stats.updateJitter((now * this.clockRate) / 1000, h.timestamp);
    try {
      this.handlers?.onRtp(h, packet, now);
    } catch (err) {
      // A payload the decoder rejects must cost one packet, never the process.
      this.counters.droppedMalformed++;
      this.logger.debug({ err, port: this.port, pt: h.payloadType }, 'RTP packet rejected by its handler');
    }
  }

  /**
   * Replies go to `rinfo` from now on. When it is also the SDP address the socket is
   * connect()ed to it (cheaper sends, the kernel filters everyone else); a NAT-rewritten
   * source stays unconnected so the SDP address can still take over.
   */
  private latch(rinfo: UdpSource, isTarget: boolean): void {
    const source = { address: rinfo.address, port: rinfo.port };
    this.rtpLatched = source;
    if (!isTarget) return;
    // Sends stay addressed until connect() completes; a re-target in between cancels it.
    this.opts.pair.rtp.connect(source.port, source.address, (err) => {
      // A previous connect() still pending: stay on addressed sends.
      if (err) return this.logger.debug({ err, port: this.port }, 'RTP socket connect skipped');
      if (this.rtpLatched === source && !this.closed) this.connected = true;
      else this.disconnect(true);
    });
  }

  private disconnect(force = false): void {
    if (!this.connected && !force) return;
    this.connected = false;
    this.opts.pair.rtp.disconnect();
  }

  private onRtcp(msg: Buffer, rinfo: UdpSource, onRtcpPort: boolean): void {
    const latched = onRtcpPort ? this.rtcpLatched : this.rtpLatched;
    if (latched && !sameSource(latched, rinfo)) {
      this.counters.droppedUnknownSource++;
      return;
    }
    const packet = this.srtp ? this.srtp.unprotectRtcp(msg) : msg;
    if (!packet || packet.length < 8 || packet[0] >> 6 !== 2) {
      this.counters[packet ? 'droppedMalformed' : 'droppedAuth']++;
      return;
    }
    if (onRtcpPort && !this.rtcpLatched && this.symmetric) this.rtcpLatched = { address: rinfo.address, port: rinfo.port };
    // Our own report looped back says nothing about the path (and its BYE is not the peer's).
    if (packet.readUInt32BE(4) === this.ssrc) {
      this.counters.loopedBack++;
      return;
    }
    let byes: number[];
    try {
      byes = this.reporter.onRtcp(packet, Date.now());
    } catch (err) {
      this.counters.droppedMalformed++;
      this.logger.debug({ err, port: this.port }, 'malformed RTCP dropped');
      return;
    }
    this.counters.rtcpReceived++;
    for (const ssrc of byes) this.handlers?.onBye?.(ssrc);
  }

  /**
   * Sends a final RTCP BYE, then closes both sockets (returning the ports) once the BYE
   * has left: closing at once would cancel the queued send.
   */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        clearTimeout(guard);
        this.opts.pair.release();
        resolve();
      };
      // A send that never completes must not hold the ports.
      const guard = setTimeout(finish, 250);
      this.reporter.stop(true, finish);
      this.closed = true;
    });
    return this.closing;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get hasRemoteSource(): boolean {
    return this.haveSource;
  }
}
