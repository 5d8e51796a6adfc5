/**
 * What the engine process does to each packet, measured inside it (bench/tools/
 * rtp-engine-server.ts), on the clock the peer stamps its packets with (rtp-clock.ts):
 *
 *  - recvWait: peer send() -> the engine's receive callback starts. Loopback delivery plus
 *    the time the datagram sat in the socket queue while the engine's loop was busy
 *    (GC, clock ticks, other datagrams) or the process was not scheduled.
 *  - handle: receive callback start -> end: header checks, stats, jitter-buffer insert
 *    (calls) or decode, re-encode and send() of the echo (echo sessions).
 *  - engine: recvWait + handle, peer send() -> the engine is done with the packet. This is
 *    the per-packet latency the engine is judged on; it excludes the peer's own delays
 *    (its timers, its receive path), which the round trip measured at the peer includes.
 *  - calls only: tickLate (media-clock due time -> the session's tick starts), tickToSent
 *    (due -> the tick's own packet has been sent), arrivalToPlayout and peerSendToPlayout
 *    (a packet's arrival / peer send -> its audio reaches frames(); includes the jitter
 *    buffer's deliberate delay).
 *
 * The probe wraps the socket's single 'message' listener (a second listener would make
 * EventEmitter copy its listener array per datagram) and the session's tick method; its
 * own cost is four clock reads and a few histogram records per packet.
 */
import type { Socket } from 'node:dgram';
import { PerformanceObserver, constants as perfConstants, createHistogram } from 'node:perf_hooks';
import type { RecordableHistogram } from 'node:perf_hooks';
import { mainThreadSched, readTag, schedSince, sharedNowUs, sinceTagUs, tagFromPcm } from './rtp-clock.js';

export type SessionKind = 'ivr' | 'echo' | 'raw';

type Listener<R = unknown> = (msg: Buffer, rinfo: R) => void;

/** Recent arrivals remembered per call: covers the jitter buffer at its 400 ms maximum. */
const RING = 32;
const GC_BUCKETS_MS = [0.5, 1, 2, 5, 10, 20];
/** Beyond this a sample is not a packet of the window (a tag from before it, a stray). */
const MAX_US = 10_000_000;

function summary(h: RecordableHistogram, over1ms: number): Record<string, number> {
  const ms = (us: number): number => Number((us / 1000).toFixed(3));
  if (h.count === 0) return { samples: 0 };
  return {
    samples: h.count,
    p50: ms(h.percentile(50)),
    p99: ms(h.percentile(99)),
    p999: ms(h.percentile(99.9)),
    max: ms(h.max),
    // Samples over 1 ms, the goal's bound.
    over1ms: over1ms,
    over1msRatio: Number((over1ms / h.count).toExponential(2)),
  };
}

interface Top {
  atMs: number;
  ms: number;
  kind?: string;
}

function keepTop(list: Top[], item: Top, n = 5): void {
  list.push(item);
  list.sort((a, b) => b.ms - a.ms);
  if (list.length > n) list.length = n;
}

/** One measured quantity: its histogram (integer microseconds) and the samples over 1 ms. */
class Series {
  readonly h: RecordableHistogram = createHistogram();
  over = 0;

  record(us: number): void {
    if (us < 0 || us >= MAX_US) return;
    this.h.record(us < 1 ? 1 : Math.round(us));
    if (us > 1000) this.over++;
  }

  reset(): void {
    this.h.reset();
    this.over = 0;
  }
}

export class EngineProbe {
  private readonly series = new Map<string, Series>();
  private playout: [Series, Series] | undefined;
  /** Per ivr session: tags of recent arrivals and when they arrived (shared clock, us). */
  private readonly ringTags: Int32Array;
  private readonly ringAt: Float64Array;
  private readonly ringPos: Uint8Array;
  private windowStart = performance.now();
  private sched = mainThreadSched();
  private readonly gc = { minor: { count: 0, totalMs: 0, buckets: new Array<number>(GC_BUCKETS_MS.length + 1).fill(0) }, major: { count: 0, totalMs: 0, buckets: new Array<number>(GC_BUCKETS_MS.length + 1).fill(0) } };
  private gcTop: Top[] = [];
  private blockTop: Top[] = [];
  private loopTimer: NodeJS.Timeout | undefined;

  constructor(sessions: number) {
    this.ringTags = new Int32Array(sessions * RING).fill(-1);
    this.ringAt = new Float64Array(sessions * RING);
    this.ringPos = new Uint8Array(sessions);
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.startTime < this.windowStart) continue;
        const minor = ((e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0) === perfConstants.NODE_PERFORMANCE_GC_MINOR;
        const g = minor ? this.gc.minor : this.gc.major;
        g.count++;
        g.totalMs += e.duration;
        let b = 0;
        while (b < GC_BUCKETS_MS.length && e.duration >= GC_BUCKETS_MS[b]!) b++;
        g.buckets[b]!++;
        keepTop(this.gcTop, { atMs: Math.round(e.startTime - this.windowStart), ms: Number(e.duration.toFixed(2)), kind: minor ? 'scavenge' : 'major' });
      }
    }).observe({ entryTypes: ['gc'] });
  }

  /** The series called `name`, looked up once by each wrapper (not per packet). */
  private get(name: string): Series {
    let x = this.series.get(name);
    if (!x) this.series.set(name, (x = new Series()));
    return x;
  }

  /** Times every datagram of `socket` around its one 'message' listener. */
  wrapReceive(socket: Socket, kind: SessionKind, index: number): void {
    const listeners = socket.listeners('message') as Listener[];
    const inner = listeners[0];
    if (!inner || listeners.length !== 1) throw new Error(`rtp probe: expected one 'message' listener on the socket of session ${index}, found ${listeners.length}`);
    socket.removeAllListeners('message');
    socket.on('message', this.timed(inner, kind, index));
  }

  /** Times every datagram of a media-engine UDP endpoint around its `onMessage`. */
  wrapEndpoint<R>(endpoint: { onMessage: Listener<R> | undefined }, kind: SessionKind, index: number): void {
    const inner = endpoint.onMessage;
    if (!inner) throw new Error(`rtp probe: the UDP endpoint of session ${index} has no onMessage listener`);
    endpoint.onMessage = this.timed(inner, kind, index);
  }

  private timed<R>(inner: Listener<R>, kind: SessionKind, index: number): Listener<R> {
    const recvWait = this.get(`${kind}.recvWait`);
    const handle = this.get(`${kind}.handle`);
    const engine = this.get(`${kind}.engine`);
    return (msg: Buffer, rinfo: R) => {
      const t0 = sharedNowUs();
      // Tags sit at payload offset 0 of RTP (PT < 64 keeps RTCP on a muxed port out).
      const tag = msg.length >= 16 && (msg[1]! & 0x7f) < 64 ? readTag(msg, 12) : -1;
      inner(msg, rinfo);
      const t1 = sharedNowUs();
      if (tag < 0) return;
      const wait = sinceTagUs(tag, t0);
      recvWait.record(wait);
      handle.record(t1 - t0);
      engine.record(wait + (t1 - t0));
      if (kind === 'ivr') {
        const at = index * RING + this.ringPos[index]!;
        this.ringTags[at] = tag;
        this.ringAt[at] = t0;
        this.ringPos[index] = (this.ringPos[index]! + 1) % RING;
      }
    };
  }

  /**
   * Times a session's clock tick: how late it started against its media-clock due time
   * (`nowMs`, Date.now() milliseconds) and when its own packet had been sent.
   */
  wrapTick(target: { tick(nowMs: number): void }): void {
    const inner = target.tick.bind(target);
    const late = this.get('ivr.tickLate');
    const run = this.get('ivr.tickRun');
    const toSent = this.get('ivr.tickToSent');
    target.tick = (nowMs: number): void => {
      const start = performance.timeOrigin + performance.now();
      inner(nowMs);
      const end = performance.timeOrigin + performance.now();
      late.record((start - nowMs) * 1000);
      run.record((end - start) * 1000);
      toSent.record((end - nowMs) * 1000);
    };
  }

  /** A frame of ivr session `index` reached its frames() reader. */
  frame(index: number, pcm: Int16Array): void {
    const tag = tagFromPcm(pcm);
    if (tag < 0) return;
    const now = sharedNowUs();
    // Only frames decoded from a packet that arrived count (concealment may repeat a tag).
    for (let k = 0; k < RING; k++) {
      const at = index * RING + k;
      if (this.ringTags[at] !== tag) continue;
      this.ringTags[at] = -1;
      (this.playout ??= [this.get('ivr.arrivalToPlayout'), this.get('ivr.peerSendToPlayout')]);
      this.playout[0].record(now - this.ringAt[at]!);
      this.playout[1].record(sinceTagUs(tag, now));
      return;
    }
  }

  /** Opens the window: histograms, GC and loop figures restart; the loop monitor runs. */
  start(): void {
    for (const x of this.series.values()) x.reset();
    this.windowStart = performance.now();
    this.sched = mainThreadSched();
    for (const g of Object.values(this.gc)) {
      g.count = 0;
      g.totalMs = 0;
      g.buckets.fill(0);
    }
    this.gcTop = [];
    this.blockTop = [];
    const loop = this.get('loop.delay');
    let last = performance.now();
    // A 1 ms interval: how late each firing is, is how long the loop was held.
    this.loopTimer = setInterval(() => {
      const now = performance.now();
      const blocked = Math.max(0, now - last - 1);
      last = now;
      loop.record(blocked * 1000);
      if (blocked > 1) {
        keepTop(this.blockTop, { atMs: Math.round(now - blocked - this.windowStart), ms: Number(blocked.toFixed(2)) });
      }
    }, 1);
  }

  figures(): Record<string, unknown> {
    if (this.loopTimer) clearInterval(this.loopTimer);
    this.loopTimer = undefined;
    const byKind: Record<string, Record<string, unknown>> = {};
    for (const [name, x] of this.series) {
      const [kind, what] = name.split('.') as [string, string];
      if (kind === 'loop') continue;
      (byKind[kind] ??= {})[`${what}Ms`] = summary(x.h, x.over);
    }
    const gcOut = (g: (typeof this.gc)['minor']): Record<string, unknown> => ({
      count: g.count,
      totalMs: Number(g.totalMs.toFixed(1)),
      histogram: Object.fromEntries(g.buckets.map((n, i) => [i === 0 ? `<${GC_BUCKETS_MS[0]}ms` : i === GC_BUCKETS_MS.length ? `>=${GC_BUCKETS_MS[i - 1]}ms` : `${GC_BUCKETS_MS[i - 1]}-${GC_BUCKETS_MS[i]}ms`, n])),
    });
    return {
      latency: byKind,
      gc: { scavenge: gcOut(this.gc.minor), major: gcOut(this.gc.major), longest: this.gcTop },
      // Runnable but not running: the machine's share of the waits above, not the engine's.
      mainThread: schedSince(this.sched, performance.now() - this.windowStart),
      eventLoop: { blockedMs: summary(this.get('loop.delay').h, this.get('loop.delay').over), longestBlocks: this.blockTop },
    };
  }
}
