/**
 * A MediaEngine with many call endpoints as its own process, for bench/rtp.bench.ts
 * (benchG711Calls1000). Every session is answered towards the RTP peer
 * (bench/tools/rtp-peer.ts) and is either
 *  - 'ivr': a full call endpoint: a paced 20 ms PCMU frame every tick via playFrames, and
 *    the far side played out through the jitter buffer via frames(), or
 *  - 'echo': MediaSession({ loopback: true }): every packet received is decoded,
 *    re-encoded and sent back at once (what the peer's round-trip times measure), or
 *  - 'raw' (the floor): no MediaEngine at all, a plain connected dgram socket per call
 *    returning each datagram as it came; what Node's UDP path costs on this machine.
 *
 * Protocol: argv `--ivr N --echo M --raw R --peer-ports P1,P2,.. --port-base B` (session i answers
 * towards peer port i mod count); prints one JSON line
 * `{"ports":[...]}` (IVR sessions first) once every session is up. Then reads lines on
 * stdin: `start` (opens the measurement window), `stop` (prints `{"figures":{...}}` for the
 * window), `exit` (closes the engine and exits).
 */
import { PerformanceObserver, constants as perfConstants, monitorEventLoopDelay } from 'node:perf_hooks';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { MediaEngine } from '@rvoip/media';
import type { MediaSession } from '@rvoip/media';

const { values } = parseArgs({
  options: {
    ivr: { type: 'string', default: '1000' },
    echo: { type: 'string', default: '0' },
    raw: { type: 'string', default: '0' },
    'peer-ports': { type: 'string', default: '' },
    'port-base': { type: 'string', default: '61000' },
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

const engine = new MediaEngine({ bindAddress: '127.0.0.1', rtpPortRange: [base, base + total * 2 + 1], codecs: ['pcmu'] });
const ivr: MediaSession[] = [];
const echo: MediaSession[] = [];
for (let i = 0; i < total; i++) {
  const s = await engine.createSession(i < ivrCount ? {} : { loopback: true });
  s.createOffer();
  s.setRemoteAnswer(answerFor(peerPorts[i % peerPorts.length]!));
  (i < ivrCount ? ivr : echo).push(s);
}

// One precomputed 20 ms frame: the figures are the engine's, not a tone generator's.
const frame = new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
let running = true;
let framesOut = 0;
for (const s of ivr) {
  void s.playFrames(() => (running ? frame : undefined));
  void (async () => {
    for await (const _f of s.frames()) framesOut++;
  })();
}

const raw: Socket[] = [];
const rawCounters = { received: 0, sent: 0 };
for (let i = 0; i < rawCount; i++) {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(base + total * 2 + 2 + i, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => s.connect(peerPorts[i % peerPorts.length]!, '127.0.0.1', resolve));
  // The peer going away first makes the kernel refuse our last sends: not an error here.
  s.on('error', () => undefined);
  s.on('message', (msg) => {
    rawCounters.received++;
    s.send(msg);
    rawCounters.sent++;
  });
  raw.push(s);
}

const all = [...ivr, ...echo];
const sum = (list: MediaSession[], f: (s: MediaSession) => number): number => list.reduce((n, s) => n + f(s), 0);
const snapshot = (): { received: number; sent: number; lost: number; framesOut: number; concealed: number; cpu: NodeJS.CpuUsage; t: number } => ({
  received: sum(all, (s) => s.rtp.stats.received) + rawCounters.received,
  sent: sum(all, (s) => s.rtp.counters.packetsSent) + rawCounters.sent,
  lost: sum(all, (s) => s.stats().packetsLost),
  framesOut,
  concealed: sum(ivr, (s) => s.stats().jitterBuffer.concealed),
  cpu: process.cpuUsage(),
  t: performance.now(),
});

// GC pauses on the main thread during the window, by kind (minor = scavenge, major = mark-compact).
const gc = { minor: { count: 0, totalMs: 0, maxMs: 0 }, major: { count: 0, totalMs: 0, maxMs: 0 } };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = ((e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0) === perfConstants.NODE_PERFORMANCE_GC_MINOR ? gc.minor : gc.major;
    kind.count++;
    kind.totalMs += e.duration;
    kind.maxMs = Math.max(kind.maxMs, e.duration);
  }
}).observe({ entryTypes: ['gc'] });

// 1 ms is the finest resolution; values include that sampling interval itself.
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
let start = snapshot();
const ms = (ns: number): number => Number((ns / 1e6).toFixed(3));

function figures(): Record<string, unknown> {
  const end = snapshot();
  const wallMs = end.t - start.t;
  const cpuMs = (end.cpu.user - start.cpu.user + end.cpu.system - start.cpu.system) / 1000;
  const received = end.received - start.received;
  const sent = end.sent - start.sent;
  return {
    wallMs: Math.round(wallMs),
    cpuPercentOfOneCore: Number(((cpuMs / wallMs) * 100).toFixed(1)),
    cpuUserPercent: Number((((end.cpu.user - start.cpu.user) / 1000 / wallMs) * 100).toFixed(1)),
    packetsInPerSecond: Math.round((received / wallMs) * 1000),
    packetsOutPerSecond: Math.round((sent / wallMs) * 1000),
    cpuMicrosPerPacketIn: Number(((cpuMs * 1000) / Math.max(1, received)).toFixed(2)),
    framesPlayedOutPerSecond: Math.round(((end.framesOut - start.framesOut) / wallMs) * 1000),
    concealedFrames: end.concealed - start.concealed,
    packetsLostAtEngine: end.lost - start.lost,
    gcPauses: Object.fromEntries(Object.entries(gc).map(([k, v]) => [k, { count: v.count, totalMs: Number(v.totalMs.toFixed(1)), maxMs: Number(v.maxMs.toFixed(2)) }])),
    eventLoopDelayMs: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), p999: ms(loopDelay.percentile(99.9)), max: ms(loopDelay.max) },
  };
}

// RTP_ENGINE_CPU_PROF=<file>: a V8 CPU profile of the measurement window only (no setup).
const profPath = process.env.RTP_ENGINE_CPU_PROF;
const inspector = profPath ? new (await import('node:inspector/promises')).Session() : undefined;
inspector?.connect();

const out = (o: unknown): void => void process.stdout.write(JSON.stringify(o) + '\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'start') {
    loopDelay.reset();
    loopDelay.enable();
    for (const v of Object.values(gc)) Object.assign(v, { count: 0, totalMs: 0, maxMs: 0 });
    start = snapshot();
    void inspector?.post('Profiler.enable').then(() => inspector.post('Profiler.start'));
  } else if (cmd === 'stop') {
    loopDelay.disable();
    const f = figures();
    if (!inspector) return out({ figures: f });
    void inspector.post('Profiler.stop').then(async ({ profile }) => {
      (await import('node:fs')).writeFileSync(profPath!, JSON.stringify(profile));
      out({ figures: f });
    });
  } else if (cmd === 'exit') {
    running = false;
    for (const s of raw) s.close();
    void engine.close().then(() => process.exit(0));
  }
});
out({ ports: [...all.map((s) => s.localPort), ...raw.map((s) => s.address().port)] });
