/**
 * The media engine: owns the RTP port range, the codec preferences and one shared 20 ms
 * clock that drives playout, DTMF pacing and file/tone sources of every session. One
 * timer for all sessions (instead of one per call) is what lets a single core carry a
 * thousand calls; the clock spreads them over 1 ms slots (engine/media-clock.ts) so no
 * timer callback holds the event loop for long.
 */
import os from 'node:os';
import type { Logger } from '@rvoip/contracts';
import { silentLogger } from '@rvoip/contracts';
import type { CodecRegistry } from './codecs/registry.js';
import { codecRegistry as defaultRegistry } from './codecs/registry.js';
import { MediaSessionError } from './engine/errors.js';
import { MediaClock } from './engine/media-clock.js';
import { MediaSession } from './media-session.js';
import type { MediaSessionOptions } from './media-session.js';
import type { RtcpOptions } from './rtp/rtcp-reporter.js';
import { PortAllocator } from './rtp/port-allocator.js';
import { resolveUdpTransport } from './udp/open-endpoint.js';
import type { UdpTransportOption } from './udp/open-endpoint.js';
import type { UdpTransportKind } from './udp/udp-endpoint.js';
import type { SrtpMode } from './sdp/offer-answer.js';
import type { SrtpSuite } from './srtp/sdes.js';

export interface MediaEngineConfig {
  /** Address the RTP sockets bind to (default 0.0.0.0). */
  bindAddress?: string;
  /** Address written into SDP c= lines (default: bindAddress, or the first external IPv4). */
  advertisedAddress?: string;
  /** Inclusive RTP port range (default [10000, 20000]). */
  rtpPortRange?: [number, number];
  /** Codec names in order of preference (default pcmu, pcma, g722, opus). */
  codecs?: string[];
  codecRegistry?: CodecRegistry;
  srtp?: { mode: SrtpMode; suites?: SrtpSuite[] };
  rtcp?: Partial<RtcpOptions>;
  /** Jitter buffer bounds in ms. */
  jitter?: { minDelayMs?: number; maxDelayMs?: number };
  /**
   * RTP/RTCP socket implementation (default 'dgram'): 'batched' is the native recvmmsg/
   * sendmmsg path (core/media/native; about half of dgram's CPU per packet at 1,000 calls),
   * throwing RVOIP_ERR_MEDIA_UDP_ADDON_MISSING when the addon is not built; 'auto' uses it
   * when built and node:dgram otherwise (the reason logged once).
   */
  udp?: UdpTransportOption;
  logger?: Logger;
}

function externalIPv4(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export class MediaEngine {
  readonly bindAddress: string;
  readonly advertisedAddress: string;
  readonly codecs: readonly string[];
  readonly registry: CodecRegistry;
  readonly ports: PortAllocator;
  readonly logger: Logger;
  /** The RTP sockets' implementation in use ('auto' resolved). */
  readonly udp: UdpTransportKind;
  private readonly sessions = new Set<MediaSession>();
  private readonly clock: MediaClock<MediaSession>;
  private closed = false;

  constructor(readonly config: MediaEngineConfig = {}) {
    this.bindAddress = config.bindAddress ?? '0.0.0.0';
    const unspecified = this.bindAddress === '0.0.0.0' || this.bindAddress === '::';
    this.advertisedAddress = config.advertisedAddress ?? (unspecified ? externalIPv4() : this.bindAddress);
    this.registry = config.codecRegistry ?? defaultRegistry;
    this.codecs = config.codecs ?? ['pcmu', 'pcma', 'g722', 'opus'];
    for (const name of this.codecs) this.registry.require(name);
    const [min, max] = config.rtpPortRange ?? [10000, 20000];
    this.logger = config.logger ?? silentLogger;
    this.udp = resolveUdpTransport(config.udp ?? 'dgram', this.logger);
    this.ports = new PortAllocator(min, max, this.udp);
    // One broken stream (a decoder throwing on a bad payload) must not stop the others.
    this.clock = new MediaClock((s, err) => this.logger.warn({ err, mediaSession: s.id }, 'media session tick failed'));
  }

  /** Binds a port pair and returns a session ready for createOffer/createAnswer. */
  async createSession(opts: MediaSessionOptions = {}): Promise<MediaSession> {
    if (this.closed) throw new MediaSessionError('ENGINE_CLOSED', 'createSession called on a closed MediaEngine');
    const pair = await this.ports.allocate(this.bindAddress);
    let session: MediaSession;
    try {
      session = new MediaSession(this, pair, opts);
    } catch (err) {
      pair.release();
      throw err;
    }
    this.sessions.add(session);
    session.once('closed', () => {
      this.sessions.delete(session);
      this.clock.delete(session);
    });
    this.clock.add(session);
    return session;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Closes every session (RTCP BYE, sockets) and stops the clock. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sessions].map((s) => s.close()));
    this.clock.stop();
  }
}
