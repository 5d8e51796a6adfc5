/**
 * The media engine: owns the RTP port range, the codec preferences and one shared 20 ms
 * clock that drives playout, DTMF pacing and file/tone sources of every session. One
 * timer for all sessions (instead of one per call) is what lets a single core carry a
 * thousand calls.
 */
import os from 'node:os';
import type { Logger } from '@rvoip/contracts';
import { silentLogger } from '@rvoip/contracts';
import type { CodecRegistry } from './codecs/registry.js';
import { codecRegistry as defaultRegistry } from './codecs/registry.js';
import { MediaSessionError } from './engine/errors.js';
import { MediaSession } from './media-session.js';
import type { MediaSessionOptions } from './media-session.js';
import type { RtcpOptions } from './rtp/rtcp-reporter.js';
import { PortAllocator } from './rtp/port-allocator.js';
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
  logger?: Logger;
}

const TICK_MS = 20;
/** After a stall (GC, busy loop) catch up at most this many ticks, then resynchronise. */
const MAX_CATCH_UP = 5;

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
  private readonly sessions = new Set<MediaSession>();
  private timer: NodeJS.Timeout | undefined;
  private nextTickAt = 0;
  private closed = false;

  constructor(readonly config: MediaEngineConfig = {}) {
    this.bindAddress = config.bindAddress ?? '0.0.0.0';
    const unspecified = this.bindAddress === '0.0.0.0' || this.bindAddress === '::';
    this.advertisedAddress = config.advertisedAddress ?? (unspecified ? externalIPv4() : this.bindAddress);
    this.registry = config.codecRegistry ?? defaultRegistry;
    this.codecs = config.codecs ?? ['pcmu', 'pcma', 'g722', 'opus'];
    for (const name of this.codecs) this.registry.require(name);
    const [min, max] = config.rtpPortRange ?? [10000, 20000];
    this.ports = new PortAllocator(min, max);
    this.logger = config.logger ?? silentLogger;
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
      if (this.sessions.size === 0) this.stopClock();
    });
    this.startClock();
    return session;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  private startClock(): void {
    if (this.timer) return;
    this.nextTickAt = Date.now() + TICK_MS;
    this.timer = setInterval(() => this.onTimer(), TICK_MS / 2);
  }

  private stopClock(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Runs every tick that is due; timers fire late under load, media time must not. */
  private onTimer(): void {
    const now = Date.now();
    let ran = 0;
    while (this.nextTickAt <= now && ran < MAX_CATCH_UP) {
      const tickAt = this.nextTickAt;
      for (const s of this.sessions) {
        try {
          s.tick(tickAt);
        } catch (err) {
          // One broken stream (a decoder throwing on a bad payload) must not stop the others.
          this.logger.warn({ err, mediaSession: s.id }, 'media session tick failed');
        }
      }
      this.nextTickAt += TICK_MS;
      ran++;
    }
    if (this.nextTickAt <= now) this.nextTickAt = now + TICK_MS;
  }

  /** Closes every session (RTCP BYE, sockets) and stops the clock. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sessions].map((s) => s.close()));
    this.stopClock();
  }
}
