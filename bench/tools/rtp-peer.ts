/**
 * The far ends of many G.711 calls, kept as cheap as Node allows so that on a 2-core
 * machine the engine under test keeps a core: no MediaEngine, no jitter buffer, no
 * decoding. Each stream sends a precomputed 20 ms PCMU packet every 20 ms (only sequence
 * number and timestamp change), streams spread over the 20 ms period; a few sockets carry
 * all streams (the engine replies to the source it latched), and replies are told apart by
 * the engine port they come from.
 *
 * Every packet carries its send time on the clock both processes share (rtp-clock.ts,
 * 4 payload bytes that survive a G.711 decode/encode): the engine side reads it on
 * arrival (how long the packet took to reach its receive callback) and, for echo streams,
 * what the engine sends back carries it too, so the round trip of every echoed packet is
 * measured here without a table.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { createHistogram } from 'node:perf_hooks';
import type { RecordableHistogram } from 'node:perf_hooks';
import { pcmu } from '@rvoip/media';
import { mainThreadSched, readTag, schedSince, sharedNowUs, sinceTagUs, writeTag } from './rtp-clock.js';

const FRAME_MS = 20;
const PHASES = 20;
/** A timer late by more than this many periods sends what is due once and moves on. */
const MAX_CATCH_UP = 5;

interface Stream {
  readonly packet: Buffer;
  readonly socket: Socket;
  readonly enginePort: number;
  readonly echo: boolean;
  seq: number;
  ts: number;
  /** Receive window: first and highest extended sequence number seen, packets counted. */
  first: number;
  highest: number;
  received: number;
}

export interface PeerFigures {
  packetsSentPerSecond: number;
  packetsReceivedPerSecond: number;
  /** Engine -> peer packets missing in the window (sequence gaps), and their share. */
  packetsLostAtPeer: number;
  lossRatio: number;
  /** Peer sends that went out more than one phase (1 ms) late, i.e. pacing the peer missed. */
  lateSends: number;
  rtcpReceived: number;
  peerCpuPercent: number;
  /** The peer's main thread: time it waited for a CPU, timeslices (Linux only). */
  peerMainThread?: Record<string, number>;
  rttMs?: { samples: number; p50: number; p99: number; p999: number; max: number };
}

export class RtpPeer {
  private readonly streams: Stream[] = [];
  private readonly byPort = new Int32Array(65536).fill(-1);
  private readonly phaseStreams: Stream[][] = Array.from({ length: PHASES }, () => []);
  private readonly nextAt = new Float64Array(PHASES);
  private timer: NodeJS.Timeout | undefined;
  private rtt: RecordableHistogram = createHistogram();
  private sent = 0;
  private late = 0;
  private rtcp = 0;
  private windowStart = { t: 0, sent: 0, cpu: process.cpuUsage(), sched: mainThreadSched() };

  private constructor(private readonly sockets: Socket[]) {
    for (const s of sockets) s.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.port));
  }

  /** Binds `count` sockets on 127.0.0.1 (ephemeral ports). */
  static async open(count: number): Promise<RtpPeer> {
    const sockets = await Promise.all(
      Array.from({ length: count }, () => new Promise<Socket>((resolve, reject) => {
        const s = createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
        s.once('error', reject);
        s.bind(0, '127.0.0.1', () => resolve(s));
      })),
    );
    return new RtpPeer(sockets);
  }

  /** The port of the socket stream `i` uses; the engine must answer stream i towards it. */
  get ports(): number[] {
    return this.sockets.map((s) => s.address().port);
  }

  /** Starts one stream per engine port; streams from `echoFrom` on carry round-trip tags. */
  start(enginePorts: number[], echoFrom: number): void {
    const payload = pcmu.createEncoder().encode(new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000))));
    enginePorts.forEach((port, i) => {
      const packet = Buffer.alloc(12 + payload.length);
      packet[0] = 0x80;
      packet[1] = 0;
      packet.writeUInt32BE((0x5000_0000 + i) >>> 0, 8);
      payload.copy(packet, 12);
      const stream: Stream = { packet, socket: this.sockets[i % this.sockets.length]!, enginePort: port, echo: i >= echoFrom, seq: i * 7, ts: i * 1000, first: -1, highest: -1, received: 0 };
      this.streams.push(stream);
      this.byPort[port] = i;
      this.phaseStreams[i % PHASES]!.push(stream);
    });
    const t0 = performance.now();
    for (let p = 0; p < PHASES; p++) this.nextAt[p] = t0 + p;
    this.timer = setInterval(() => this.onTimer(), 1);
  }

  private onTimer(): void {
    const now = performance.now();
    for (let p = 0; p < PHASES; p++) {
      let ran = 0;
      while (this.nextAt[p]! <= now && ran < MAX_CATCH_UP) {
        if (now - this.nextAt[p]! > 1) this.late += this.phaseStreams[p]!.length;
        for (const s of this.phaseStreams[p]!) this.send(s);
        this.nextAt[p]! += FRAME_MS;
        ran++;
      }
      if (this.nextAt[p]! <= now) this.nextAt[p]! += Math.ceil((now - this.nextAt[p]!) / FRAME_MS) * FRAME_MS;
    }
  }

  private send(s: Stream): void {
    const b = s.packet;
    b.writeUInt16BE(s.seq, 2);
    b.writeUInt32BE(s.ts >>> 0, 4);
    s.seq = (s.seq + 1) & 0xffff;
    s.ts = (s.ts + 160) >>> 0;
    // Stamped last, right before the send() that hands the datagram to the kernel.
    writeTag(b, 12, sharedNowUs());
    s.socket.send(b, s.enginePort, '127.0.0.1');
    this.sent++;
  }

  private onMessage(msg: Buffer, port: number): void {
    if (msg.length < 12) return;
    const pt = msg[1]!;
    if (pt >= 200 && pt <= 204) {
      this.rtcp++;
      return;
    }
    const i = this.byPort[port]!;
    if (i < 0) return;
    const s = this.streams[i]!;
    const seq = msg.readUInt16BE(2);
    if (s.first < 0) {
      s.first = seq;
      s.highest = seq;
    } else {
      const delta = ((seq - (s.highest & 0xffff) + 98304) % 65536) - 32768;
      if (delta > 0) s.highest += delta;
    }
    s.received++;
    if (s.echo && msg.length >= 16) {
      const tag = readTag(msg, 12);
      if (tag >= 0) this.rtt.record(Math.max(1, sinceTagUs(tag, sharedNowUs())));
    }
  }

  /** Opens a measurement window: counters and the round-trip histogram restart. */
  resetWindow(): void {
    for (const s of this.streams) {
      s.first = -1;
      s.highest = -1;
      s.received = 0;
    }
    this.rtt = createHistogram();
    this.late = 0;
    this.rtcp = 0;
    this.windowStart = { t: performance.now(), sent: this.sent, cpu: process.cpuUsage(), sched: mainThreadSched() };
  }

  figures(): PeerFigures {
    const wallMs = performance.now() - this.windowStart.t;
    const cpu = process.cpuUsage(this.windowStart.cpu);
    let received = 0;
    let expected = 0;
    for (const s of this.streams) {
      received += s.received;
      if (s.first >= 0) expected += s.highest - s.first + 1;
    }
    const lost = Math.max(0, expected - received);
    const ms = (us: number): number => Number((us / 1000).toFixed(3));
    const out: PeerFigures = {
      packetsSentPerSecond: Math.round(((this.sent - this.windowStart.sent) / wallMs) * 1000),
      packetsReceivedPerSecond: Math.round((received / wallMs) * 1000),
      packetsLostAtPeer: lost,
      lossRatio: Number((lost / Math.max(1, expected)).toExponential(2)),
      lateSends: this.late,
      rtcpReceived: this.rtcp,
      peerCpuPercent: Number((((cpu.user + cpu.system) / 1000 / wallMs) * 100).toFixed(1)),
    };
    const sched = schedSince(this.windowStart.sched, wallMs);
    if (sched) out.peerMainThread = sched;
    if (this.rtt.count > 0) out.rttMs = { samples: this.rtt.count, p50: ms(this.rtt.percentile(50)), p99: ms(this.rtt.percentile(99)), p999: ms(this.rtt.percentile(99.9)), max: ms(this.rtt.max) };
    return out;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.sockets) s.close();
  }
}
