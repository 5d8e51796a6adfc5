/**
 * A MediaEngine with many call endpoints as its own process, for bench/rtp.bench.ts
 * (benchG711Calls1000). Every session is answered towards the RTP peer
 * (bench/tools/rtp-peer.ts) and is either
 *  - 'ivr': a full call endpoint: a paced 20 ms PCMU frame every tick via playFrames, and
 *    the far side played out through the jitter buffer via frames(), or
 *  - 'echo': MediaSession({ loopback: true }): every packet received is decoded,
 *    re-encoded and sent back at once (what the peer's round-trip times measure), or
 *  - 'raw' (the floor): no MediaEngine at all, a plain connected socket per call returning
 *    each datagram as it came; what the UDP path alone costs on this machine. With
 *    `--raw-transport batched` the sockets are the native batched endpoints
 *    (core/media/native: recvmmsg/sendmmsg, one JS call per loop turn) instead of dgram.
 *
 * Every RTP socket's receive callback and every ivr session's tick are timed by
 * EngineProbe (rtp-engine-probe.ts) against the send time the peer stamps into each packet.
 *
 * Protocol: argv `--ivr N --echo M --raw R --peer-ports P1,P2,.. --port-base B
 * [--udp dgram|batched|auto] [--raw-transport dgram|batched]` (session i answers
 * towards peer port i mod count); prints one JSON line
 * `{"ports":[...]}` (IVR sessions first) once every session is up. Then reads lines on
 * stdin: `start` (opens the measurement window), `stop` (prints `{"figures":{...}}` for the
 * window), `exit` (closes the engine and exits).
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { BatchedUdpEndpoint, MediaEngine, batchedUdpCounters } from '@rvoip/media';
import type { BatchedUdpCounters, MediaSession, PortPair, UdpTransportOption } from '@rvoip/media';
import { EngineProbe } from './rtp-engine-probe.js';

const { values } = parseArgs({
  options: {
    ivr: { type: 'string', default: '1000' },
    echo: { type: 'string', default: '0' },
    raw: { type: 'string', default: '0' },
    'peer-ports': { type: 'string', default: '' },
    'port-base': { type: 'string', default: '61000' },
    'raw-transport': { type: 'string', default: 'dgram' },
    udp: { type: 'string', default: 'dgram' },
  },
});
const ivrCount = Number(values.ivr);
const echoCount = Number(values.echo);
const peerPorts = values['peer-ports'].split(',').map(Number);
const base = Number(values['port-base']);
const rawCount = Number(values.raw);
const total = ivrCount + echoCount;

/** What a far end answers: PCMU and telephone-event on the peer's single port, rtcp-mux. */
function answerFor(port: number): string {
  return ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=ptime:20', 'a=rtcp-mux', 'a=sendrecv', ''].join('\r\n');
}

const engine = new MediaEngine({ bindAddress: '127.0.0.1', rtpPortRange: [base, base + total * 2 + 1], codecs: ['pcmu'], udp: values.udp as UdpTransportOption });
const probe = new EngineProbe(total + rawCount);
// The probe needs each session's RTP socket, which only the port allocator hands out.
const allocate = engine.ports.allocate.bind(engine.ports);
let lastPair: PortPair | undefined;
engine.ports.allocate = async (address: string): Promise<PortPair> => (lastPair = await allocate(address));
const ivr: MediaSession[] = [];
const echo: MediaSession[] = [];
for (let i = 0; i < total; i++) {
  const s = await engine.createSession(i < ivrCount ? {} : { loopback: true });
  s.createOffer();
  s.setRemoteAnswer(answerFor(peerPorts[i % peerPorts.length]!));
  probe.wrapEndpoint(lastPair!.rtp, i < ivrCount ? 'ivr' : 'echo', i);
  if (i < ivrCount) probe.wrapTick(s);
  (i < ivrCount ? ivr : echo).push(s);
}

// One precomputed 20 ms frame: the figures are the engine's, not a tone generator's.
const frame = new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
let running = true;
let framesOut = 0;
// RTP_BENCH_FRAME_READER=callback reads with onFrame (no promise per frame) instead of
// the default `for await` over frames().
const byCallback = process.env.RTP_BENCH_FRAME_READER === 'callback';
ivr.forEach((s, i) => {
  void s.playFrames(() => (running ? frame : undefined));
  if (byCallback) {
    s.onFrame((f) => {
      framesOut++;
      probe.frame(i, f);
    });
    return;
  }
  void (async () => {
    for await (const f of s.frames()) {
      framesOut++;
      probe.frame(i, f);
    }
  })();
});

const raw: Socket[] = [];
const rawNative: BatchedUdpEndpoint[] = [];
const rawCounters = { received: 0, sent: 0 };
const rawBatched = values['raw-transport'] === 'batched';
for (let i = 0; i < rawCount; i++) {
  const port = base + total * 2 + 2 + i;
  const peerPort = peerPorts[i % peerPorts.length]!;
  if (rawBatched) {
    const s = BatchedUdpEndpoint.open('127.0.0.1', port);
    await new Promise<void>((resolve, reject) => s.connect(peerPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    s.onMessage = (msg) => {
      rawCounters.received++;
      s.send(msg);
      rawCounters.sent++;
    };
    probe.wrapEndpoint(s, 'raw', total + i);
    rawNative.push(s);
    continue;
  }
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(port, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => s.connect(peerPort, '127.0.0.1', resolve));
  // The peer going away first makes the kernel refuse our last sends: not an error here.
  s.on('error', () => undefined);
  s.on('message', (msg) => {
    rawCounters.received++;
    s.send(msg);
    rawCounters.sent++;
  });
  probe.wrapReceive(s, 'raw', total + i);
  raw.push(s);
}

const all = [...ivr, ...echo];
const sum = (list: MediaSession[], f: (s: MediaSession) => number): number => list.reduce((n, s) => n + f(s), 0);
/** Counters read in place: cheap enough to take at the edges of the window. */
const usesNative = rawBatched || engine.udp === 'batched';
const snapshot = (): { received: number; sent: number; lost: number; framesOut: number; cpu: NodeJS.CpuUsage; t: number; native?: BatchedUdpCounters } => ({
  received: sum(all, (s) => s.rtp.stats.received) + rawCounters.received,
  sent: sum(all, (s) => s.rtp.counters.packetsSent) + rawCounters.sent,
  lost: sum(all, (s) => s.rtp.stats.cumulativeLost),
  framesOut,
  cpu: process.cpuUsage(),
  ...(usesNative ? { native: batchedUdpCounters() } : {}),
  t: performance.now(),
});
/**
 * Concealed frames need every session's stats() (~10 ms at 1,000 calls): read before the
 * window opens and after it closes, never inside it (the packets queued meanwhile would
 * read as engine latency). It covers the window plus its 100 ms lead-in.
 */
const concealed = (): number => sum(ivr, (s) => s.stats().jitterBuffer.concealed);

function nativeWindow(a: BatchedUdpCounters, b: BatchedUdpCounters): Record<string, number> {
  const batches = b.batches - a.batches;
  const received = b.received - a.received;
  return { batches, received, datagramsPerBatch: Number((received / Math.max(1, batches)).toFixed(2)), sent: b.sent - a.sent, sendErrors: b.sendErrors - a.sendErrors, receiveErrors: b.receiveErrors - a.receiveErrors, truncated: b.truncated - a.truncated };
}

let start = snapshot();
let concealedAtStart = 0;

function figures(): Record<string, unknown> {
  const end = snapshot();
  const probeFigures = probe.figures();
  const concealedAtEnd = concealed();
  const wallMs = end.t - start.t;
  const cpuMs = (end.cpu.user - start.cpu.user + end.cpu.system - start.cpu.system) / 1000;
  const received = end.received - start.received;
  const sent = end.sent - start.sent;
  return {
    wallMs: Math.round(wallMs),
    udpTransport: rawCount > 0 ? values['raw-transport'] : engine.udp,
    cpuPercentOfOneCore: Number(((cpuMs / wallMs) * 100).toFixed(1)),
    cpuUserPercent: Number((((end.cpu.user - start.cpu.user) / 1000 / wallMs) * 100).toFixed(1)),
    packetsInPerSecond: Math.round((received / wallMs) * 1000),
    packetsOutPerSecond: Math.round((sent / wallMs) * 1000),
    cpuMicrosPerPacketIn: Number(((cpuMs * 1000) / Math.max(1, received)).toFixed(2)),
    framesPlayedOutPerSecond: Math.round(((end.framesOut - start.framesOut) / wallMs) * 1000),
    concealedFrames: concealedAtEnd - concealedAtStart,
    packetsLostAtEngine: end.lost - start.lost,
    // How many datagrams each JS call of the native path carried, and its error counters.
    ...(end.native && start.native ? { batchedUdp: nativeWindow(start.native, end.native) } : {}),
    ...probeFigures,
  };
}

// RTP_ENGINE_CPU_PROF=<file>: a V8 CPU profile of the measurement window only (no setup).
// RTP_ENGINE_HEAP_PROF=<file>: V8's sampling heap profile of the window: what is still alive
// at its end by allocation site (GC survivors), or with RTP_ENGINE_HEAP_PROF_ALL=1 every
// allocation of the window (allocation volume by site).
const profPath = process.env.RTP_ENGINE_CPU_PROF;
const heapPath = process.env.RTP_ENGINE_HEAP_PROF;
const inspector = profPath || heapPath ? new (await import('node:inspector/promises')).Session() : undefined;
inspector?.connect();

async function startProfiles(): Promise<void> {
  if (profPath) await inspector!.post('Profiler.enable').then(() => inspector!.post('Profiler.start'));
  const all = process.env.RTP_ENGINE_HEAP_PROF_ALL === '1';
  if (heapPath) await inspector!.post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMinorGC: all, includeObjectsCollectedByMajorGC: all });
}

async function stopProfiles(): Promise<void> {
  const { writeFileSync } = await import('node:fs');
  if (profPath) writeFileSync(profPath, JSON.stringify((await inspector!.post('Profiler.stop')).profile));
  // With --expose-gc, a scavenge first: what the profile then holds survived one (else it
  // is mostly garbage of the last few hundred milliseconds).
  const gc = (globalThis as { gc?: (o: { type: 'minor' }) => void }).gc;
  if (heapPath && gc && process.env.RTP_ENGINE_HEAP_PROF_ALL !== '1') gc({ type: 'minor' });
  if (heapPath) writeFileSync(heapPath, JSON.stringify((await inspector!.post('HeapProfiler.stopSampling')).profile));
}

const out = (o: unknown): void => void process.stdout.write(JSON.stringify(o) + '\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'start') {
    concealedAtStart = concealed();
    // The window opens once what queued during that walk has been handled.
    setTimeout(() => {
      start = snapshot();
      probe.start();
      if (inspector) void startProfiles();
    }, 100);
  } else if (cmd === 'stop') {
    const f = figures();
    if (!inspector) return out({ figures: f });
    void stopProfiles().then(() => out({ figures: f }));
  } else if (cmd === 'exit') {
    running = false;
    for (const s of raw) s.close();
    for (const s of rawNative) s.close();
    void engine.close().then(() => process.exit(0));
  }
});
out({ ports: [...all.map((s) => s.localPort), ...raw.map((s) => s.address().port), ...rawNative.map((s) => s.port)] });
