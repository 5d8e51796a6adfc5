/**
 * RTCP for one RTP session: schedules SR/RR on the RFC 3550 6.2/A.7 interval, reads the
 * peer's reports for RTT (LSR/DLSR, 6.4.1) and how it hears us, and turns all of it into
 * stats with an E-model MOS.
 */
import type { Logger } from '@rvoip/contracts';
import { mosFromR, rFactor } from './emodel.js';
import type { ReportBlock } from './rtcp.js';
import { buildCompound, ntpMiddle32, ntpNow, parseCompound, rtcpIntervalSec } from './rtcp.js';
import type { RtpSession } from './rtp-session.js';

export interface RtcpOptions {
  /** Tmin of A.7 in seconds: 5 per RFC 3550; lower it for short calls or tests. */
  minIntervalSec: number;
  /** Session bandwidth in bit/s; RTCP gets 5% of it. */
  sessionBandwidthBps: number;
}

export interface RtpStats {
  ssrc: number;
  remoteSsrc?: number;
  packetsSent: number;
  bytesSent: number;
  packetsReceived: number;
  bytesReceived: number;
  /** Cumulative packets lost on the receive side (RFC 3550 A.3). */
  packetsLost: number;
  /** Loss fraction 0..1 of the last reporting interval. */
  fractionLost: number;
  /** Interarrival jitter of the received stream, milliseconds. */
  jitterMs: number;
  /** How the peer hears us, from its last report block about our SSRC. */
  remote?: { fractionLost: number; packetsLost: number; jitterMs: number };
  rttMs?: number;
  rFactor: number;
  mos: number;
  rtcpSent: number;
  rtcpReceived: number;
  ssrcChanges: number;
  /** Our own RTP/RTCP packets received back (an echoing peer), kept as the receive stream. */
  loopedBack: number;
  dropped: { unknownSource: number; malformed: number; auth: number };
}

const DEFAULTS: RtcpOptions = { minIntervalSec: 5, sessionBandwidthBps: 80_000 };

export class RtcpReporter {
  codecName = 'pcmu';
  /** Playout delay the jitter buffer adds, for the E-model's one-way delay. */
  playoutDelayMs = 40;
  private readonly opts: RtcpOptions;
  private timer: NodeJS.Timeout | undefined;
  private initial = true;
  private avgRtcpSize = 100;
  private lastSrMiddle = 0;
  private lastSrArrivalMs = 0;
  private rttMs: number | undefined;
  private remoteView: RtpStats['remote'];
  private sentSinceLastReport = false;
  private packetsSentAtLastReport = 0;

  constructor(private readonly session: RtpSession, private readonly cname: string, opts: Partial<RtcpOptions>, private readonly logger: Logger) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  start(): void {
    if (this.timer || this.session.isClosed) return;
    this.schedule();
  }

  private schedule(): void {
    const sec = rtcpIntervalSec({
      members: 2,
      senders: this.session.counters.packetsSent > 0 ? 2 : 1,
      rtcpBandwidth: (this.opts.sessionBandwidthBps * 0.05) / 8,
      weSent: this.sentSinceLastReport,
      avgRtcpSize: this.avgRtcpSize,
      initial: this.initial,
      minIntervalSec: this.opts.minIntervalSec,
    });
    this.initial = false;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.send(false);
      this.schedule();
    }, sec * 1000);
    this.timer.unref();
  }

  /** Stops the schedule; with `bye`, sends a final report with BYE, then calls `onSent`. */
  stop(bye: boolean, onSent?: () => void): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (bye && this.session.remote) this.send(true, onSent);
    else onSent?.();
  }

  private reportBlocks(nowMs: number): ReportBlock[] {
    const s = this.session.stats;
    if (!this.session.hasRemoteSource) return [];
    return [{
      ssrc: s.ssrc,
      fractionLost: s.takeFractionLost(),
      packetsLost: s.cumulativeLost,
      highestSequence: s.extendedMaxSeq,
      jitter: s.jitter,
      lsr: this.lastSrMiddle,
      dlsr: this.lastSrMiddle === 0 ? 0 : Math.floor(((nowMs - this.lastSrArrivalMs) / 1000) * 65536),
    }];
  }

  /** Builds and sends one compound report now. */
  send(bye: boolean, onSent?: () => void): void {
    const nowMs = Date.now();
    const sess = this.session;
    this.sentSinceLastReport = sess.counters.packetsSent > this.packetsSentAtLastReport;
    this.packetsSentAtLastReport = sess.counters.packetsSent;
    const sender = this.sentSinceLastReport || (bye && sess.counters.packetsSent > 0)
      ? {
          ntp: ntpNow(nowMs),
          rtpTimestamp: (sess.lastSentTimestamp + Math.round(((nowMs - sess.lastSentAtMs) * sess.clockRate) / 1000)) >>> 0,
          packetCount: sess.counters.packetsSent,
          octetCount: sess.counters.bytesSent,
        }
      : undefined;
    const compound = buildCompound({ ssrc: sess.ssrc, cname: this.cname, sender, blocks: this.reportBlocks(nowMs), bye });
    this.avgRtcpSize = (1 / 16) * (compound.length + 28) + (15 / 16) * this.avgRtcpSize;
    try {
      sess.sendRtcp(compound, onSent);
    } catch (err) {
      this.logger.warn({ err }, 'RTCP send failed');
      onSent?.();
    }
  }

  /** Digests a received (already unprotected) compound packet; returns BYE SSRCs. */
  onRtcp(packet: Buffer, nowMs: number): number[] {
    const parsed = parseCompound(packet);
    this.avgRtcpSize = (1 / 16) * (packet.length + 28) + (15 / 16) * this.avgRtcpSize;
    if (parsed.sender) {
      this.lastSrMiddle = ntpMiddle32(parsed.sender.ntp);
      this.lastSrArrivalMs = nowMs;
    }
    const mine = parsed.blocks.find((b) => b.ssrc === this.session.ssrc);
    if (mine) {
      this.remoteView = { fractionLost: mine.fractionLost / 256, packetsLost: mine.packetsLost, jitterMs: (mine.jitter / this.session.clockRate) * 1000 };
      if (mine.lsr !== 0) {
        const rtt = (ntpMiddle32(ntpNow(nowMs)) - mine.lsr - mine.dlsr) >>> 0;
        // A negative RTT (clock granularity) wraps to ~2^32; ignore such samples.
        if (rtt < 0x80000000) this.rttMs = (rtt / 65536) * 1000;
      }
    }
    return parsed.byeSsrcs;
  }

  stats(): RtpStats {
    const sess = this.session;
    const s = sess.stats;
    const expected = s.expected;
    const lossRate = expected > 0 ? Math.max(0, s.cumulativeLost) / expected : 0;
    const jitterMs = (s.jitter / sess.clockRate) * 1000;
    const r = rFactor({ delayMs: (this.rttMs ?? 0) / 2 + this.playoutDelayMs + 20, lossFraction: lossRate, codec: this.codecName });
    const out: RtpStats = {
      ssrc: sess.ssrc,
      packetsSent: sess.counters.packetsSent,
      bytesSent: sess.counters.bytesSent,
      packetsReceived: s.received,
      bytesReceived: s.bytes,
      packetsLost: Math.max(0, s.cumulativeLost),
      fractionLost: s.lastFractionLost,
      jitterMs,
      rFactor: r,
      mos: mosFromR(r),
      rtcpSent: sess.counters.rtcpSent,
      rtcpReceived: sess.counters.rtcpReceived,
      ssrcChanges: sess.counters.ssrcChanges,
      loopedBack: sess.counters.loopedBack,
      dropped: { unknownSource: sess.counters.droppedUnknownSource, malformed: sess.counters.droppedMalformed, auth: sess.counters.droppedAuth },
    };
    if (sess.hasRemoteSource) out.remoteSsrc = s.ssrc;
    if (this.remoteView) out.remote = this.remoteView;
    if (this.rttMs !== undefined) out.rttMs = this.rttMs;
    return out;
  }
}
