/**
 * Media engine figures:
 *  - benchRtpEchoRing: packets per second through receive -> decode -> encode -> send.
 *    Two engines on loopback both in echo mode; a window of packets is injected and keeps
 *    circulating, so every hop is one full engine pass (no pacing, CPU-bound).
 *  - benchG711Concurrent100: CPU for 100 concurrent G.711 calls with both ends in this
 *    process (200 endpoints), each sending a paced tone and playing out the far side's
 *    audio through its jitter buffer, measured with process.cpuUsage over a fixed time.
 *  - benchBridge50Calls: CPU of 50 G.711 calls through a B2BUA (A <-> b1|b2 <-> C) with
 *    payload passthrough, the decode/encode frame pump, and PCMU<->PCMA transcoding.
 *  - benchG711Calls1000: issue 4's goal, 1,000 concurrent G.711 calls on one core: the
 *    engine in its own process (bench/tools/rtp-engine-server.ts) with 1,000 full call
 *    endpoints, the far ends in this process (bench/tools/rtp-peer.ts); CPU, packet rates,
 *    loss, event-loop delay and GC pauses inside the engine, round trips of echoed packets.
 *    Knobs (env): RTP_BENCH_CALLS (1000), RTP_BENCH_ROUNDS (3), RTP_BENCH_MEASURE_MS (8000),
 *    RTP_BENCH_PIN=1 (engine on one CPU, peer on the others; see bench/tools/rtp-calls.ts),
 *    RTP_BENCH_FRAME_READER=callback (calls read with MediaSession.onFrame, not frames()),
 *    RTP_BENCH_UDP (the engine's udp option in the calls and echo phases: auto (default,
 *    batched when the addon is built), dgram, batched),
 *    RTP_BENCH_PHASES (calls,echo,floor,floor-native: the phases to run; floor-native is the
 *    floor on the native batched UDP endpoints, run when the addon is built; add
 *    calls-dgram,echo-dgram for the engine on dgram in the same rounds, for comparison).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MediaEngine, nativeUdpStatus } from '@rvoip/media';
import type { MediaSession } from '@rvoip/media';
import { loopbackUdpCost, runCalls } from './tools/rtp-calls.js';
import type { CallsRun } from './tools/rtp-calls.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function engine(base: number, pairs: number): MediaEngine {
  return new MediaEngine({ bindAddress: '127.0.0.1', rtpPortRange: [base, base + pairs * 2 + 1], codecs: ['pcmu'] });
}

function connect(a: MediaSession, b: MediaSession): void {
  a.setRemoteAnswer(b.createAnswer(a.createOffer()));
}

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

export async function benchRtpEchoRing(): Promise<Record<string, unknown>> {
  const pairs = 4;
  const windowPerPair = 64;
  const seconds = 3;
  const ea = engine(41000, pairs);
  const eb = engine(42000, pairs);
  const sessions: MediaSession[] = [];
  try {
    for (let i = 0; i < pairs; i++) {
      const a = await ea.createSession({ loopback: true });
      const b = await eb.createSession({ loopback: true });
      connect(a, b);
      sessions.push(a, b);
      for (let k = 0; k < windowPerPair; k++) a.sendFrame(new Int16Array(160).fill(1000));
    }
    await sleep(300);
    const received = (): number => sessions.reduce((n, s) => n + s.rtp.stats.received, 0);
    const startCount = received();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const wallMs = performance.now() - t0;
    const cpu = cpuMs(process.cpuUsage(cpu0));
    const hops = received() - startCount;
    return {
      description: 'RTP packets/s through receive->decode->encode->send (PCMU, echo ring between two engines on loopback)',
      pairs,
      inFlight: pairs * windowPerPair,
      packets: hops,
      packetsPerSecond: Math.round((hops / wallMs) * 1000),
      cpuMicrosPerPacket: Number(((cpu * 1000) / hops).toFixed(2)),
      cpuPercent: Number(((cpu / wallMs) * 100).toFixed(1)),
    };
  } finally {
    await ea.close();
    await eb.close();
  }
}

export async function benchG711Concurrent100(): Promise<Record<string, unknown>> {
  const calls = 100;
  const seconds = 5;
  const ea = engine(43000, calls);
  const eb = engine(44000 + 2 * calls, calls);
  const sessions: MediaSession[] = [];
  let framesOut = 0;
  try {
    for (let i = 0; i < calls; i++) {
      const a = await ea.createSession();
      const b = await eb.createSession();
      connect(a, b);
      sessions.push(a, b);
    }
    // One precomputed 20 ms frame per endpoint: the figure is the engine's, not a tone generator's.
    const frame = new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
    const until = Date.now() + (seconds + 2) * 1000;
    for (const s of sessions) {
      void s.playFrames(() => (Date.now() < until ? frame : undefined));
      void (async () => {
        for await (const _f of s.frames()) framesOut++;
      })();
    }
    await sleep(500);
    const framesAtStart = framesOut;
    const recv0 = sessions.reduce((n, s) => n + s.rtp.stats.received, 0);
    // Event-loop delay bounds how long a datagram can wait before it is handled.
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const wallMs = performance.now() - t0;
    const cpu = cpuMs(process.cpuUsage(cpu0));
    loopDelay.disable();
    const packets = sessions.reduce((n, s) => n + s.rtp.stats.received, 0) - recv0;
    const lost = sessions.reduce((n, s) => n + s.stats().packetsLost, 0);
    const cpuPercent = (cpu / wallMs) * 100;
    return {
      description: '100 concurrent G.711 calls, both ends in one process (200 endpoints), paced 20 ms tone + jitter buffer playout',
      calls,
      endpoints: calls * 2,
      seconds,
      packetsReceived: packets,
      packetsPerSecond: Math.round((packets / wallMs) * 1000),
      framesPlayedOut: framesOut - framesAtStart,
      packetsLost: lost,
      cpuPercentFor100CallsBothEnds: Number(cpuPercent.toFixed(1)),
      cpuPercentPer100Endpoints: Number((cpuPercent / 2).toFixed(1)),
      cpuMicrosPerPacket: Number(((cpu * 1000) / packets).toFixed(2)),
      projectedEndpointsPerCore: Math.floor((100 / (cpuPercent / 2)) * 100),
      eventLoopDelayP99Ms: Number((loopDelay.percentile(99) / 1e6).toFixed(2)),
      eventLoopDelayMaxMs: Number((loopDelay.max / 1e6).toFixed(2)),
      concealedFrames: sessions.reduce((n, s) => n + s.stats().jitterBuffer.concealed, 0),
    };
  } finally {
    await ea.close();
    await eb.close();
  }
}

type BridgeKind = 'direct' | 'passthrough' | 'pump' | 'transcode';

/**
 * One run of `calls` G.711 calls through a B2BUA in this process: A endpoints <-> B2BUA
 * leg pairs <-> C endpoints, every endpoint sending a paced tone and playing the far side
 * out. 'direct' connects A to C with no B2BUA (the endpoints' own share); 'passthrough'
 * bridges with MediaSession.bridgeTo on PCMU legs (payloads relayed); 'pump' is the old
 * session-layer bridge (frames() -> sendFrame, PCMU decoded and re-encoded); 'transcode'
 * bridges PCMU to PCMA with bridgeTo.
 */
async function bridgedCalls(kind: BridgeKind, calls: number, seconds: number): Promise<{ cpuPercent: number; packetsReceivedAtC: number; lostAtC: number; relayed: number }> {
  const ea = engine(46000, calls);
  const eb = new MediaEngine({ bindAddress: '127.0.0.1', rtpPortRange: [46400, 46400 + calls * 4 + 1], codecs: ['pcmu', 'pcma'] });
  const ec = new MediaEngine({ bindAddress: '127.0.0.1', rtpPortRange: [47000, 47000 + calls * 2 + 1], codecs: [kind === 'transcode' ? 'pcma' : 'pcmu'] });
  const endpoints: MediaSession[] = [];
  const cs: MediaSession[] = [];
  const bridges: Array<{ stats(): { forward: { relayed: number }; backward: { relayed: number } } }> = [];
  let pumping = true;
  try {
    for (let i = 0; i < calls; i++) {
      const a = await ea.createSession();
      const c = await ec.createSession();
      endpoints.push(a, c);
      cs.push(c);
      if (kind === 'direct') {
        connect(a, c);
        continue;
      }
      const b1 = await eb.createSession();
      const b2 = await eb.createSession();
      connect(a, b1);
      connect(b2, c);
      if (kind === 'pump') {
        for (const [from, to] of [[b1, b2], [b2, b1]] as const) {
          void (async () => {
            for await (const f of from.frames()) if (pumping) to.sendFrame(f);
          })();
        }
      } else bridges.push(b1.bridgeTo(b2));
    }
    const frame = new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
    const until = Date.now() + (seconds + 2) * 1000;
    for (const s of endpoints) {
      void s.playFrames(() => (Date.now() < until ? frame : undefined));
      void (async () => {
        for await (const _f of s.frames()) { /* played out */ }
      })();
    }
    await sleep(500);
    const recv0 = cs.reduce((n, s) => n + s.rtp.stats.received, 0);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const wallMs = performance.now() - t0;
    const cpu = cpuMs(process.cpuUsage(cpu0));
    return {
      cpuPercent: Number(((cpu / wallMs) * 100).toFixed(1)),
      packetsReceivedAtC: cs.reduce((n, s) => n + s.rtp.stats.received, 0) - recv0,
      lostAtC: cs.reduce((n, s) => n + s.stats().packetsLost, 0),
      relayed: bridges.reduce((n, b) => n + b.stats().forward.relayed + b.stats().backward.relayed, 0),
    };
  } finally {
    pumping = false;
    await Promise.all([ea.close(), eb.close(), ec.close()]);
  }
}

/**
 * CPU of 50 bridged G.711 calls through a B2BUA: payload passthrough against the
 * decode/encode bridge (same codec, the old frame pump) and real transcoding (PCMU<->PCMA).
 * The B2BUA's share is each run minus the 'direct' run (the endpoints alone).
 */
export async function benchBridge50Calls(): Promise<Record<string, unknown>> {
  const calls = 50;
  const seconds = 5;
  const rounds = 3;
  const all: Partial<Record<BridgeKind, Array<Awaited<ReturnType<typeof bridgedCalls>>>>> = {};
  // Interleaved rounds, median per kind: a noisy neighbour then hits every kind alike.
  for (let r = 0; r < rounds; r++) {
    for (const kind of ['direct', 'passthrough', 'pump', 'transcode'] as const) (all[kind] ??= []).push(await bridgedCalls(kind, calls, seconds));
  }
  const runs: Partial<Record<BridgeKind, Awaited<ReturnType<typeof bridgedCalls>> & { cpuPercentRuns: number[] }>> = {};
  for (const [kind, list] of Object.entries(all) as Array<[BridgeKind, Array<Awaited<ReturnType<typeof bridgedCalls>>>]>) {
    const sorted = [...list].sort((x, y) => x.cpuPercent - y.cpuPercent);
    runs[kind] = { ...sorted[Math.floor(sorted.length / 2)]!, cpuPercentRuns: list.map((x) => x.cpuPercent) };
  }
  const direct = runs.direct!.cpuPercent;
  const b2bua = (k: BridgeKind): number => Number(Math.max(0, runs[k]!.cpuPercent - direct).toFixed(1));
  const saved = (k: BridgeKind): number => Number((1 - b2bua('passthrough') / Math.max(0.1, b2bua(k))).toFixed(2));
  return {
    description: '50 G.711 calls A <-> B2BUA <-> C in one process (tone both ways, jitter-buffer playout at A and C); process CPU % over 5 s, median of 3 interleaved rounds',
    calls,
    seconds,
    runs,
    b2buaCpuPercent: { passthrough: b2bua('passthrough'), decodeEncodeSameCodec: b2bua('pump'), transcodePcmuPcma: b2bua('transcode') },
    passthroughSavesVsDecodeEncode: saved('pump'),
    passthroughSavesVsTranscode: saved('transcode'),
  };
}

/** CPU pressure (share of time some runnable task waited for a CPU), when the kernel reports it. */
function cpuPressure(): number | undefined {
  try {
    return Number(/avg10=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1]);
  } catch {
    return undefined;
  }
}

/** A percentile summary inside a run's engine figures, by dotted path ({} when absent). */
function latencyOf(run: CallsRun, path: string): { p50?: number; p99?: number; p999?: number; max?: number } {
  let v: unknown = run.engine;
  if (Number.isNaN(run.engine.cpuPercentOfOneCore)) return {};
  for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return (v ?? {}) as { p50?: number; p99?: number; p999?: number; max?: number };
}

/** A phase's median round by engine CPU; an empty placeholder for a phase not run. */
function median(runs: CallsRun[]): CallsRun & { cpuPercentRuns: number[] } {
  if (runs.length === 0) return { ivr: 0, echo: 0, raw: 0, rawTransport: 'dgram', engine: { cpuPercentOfOneCore: NaN }, peer: { packetsLostAtPeer: NaN } as CallsRun['peer'], pinned: false, cpuPercentRuns: [] };
  const sorted = [...runs].sort((a, b) => a.engine.cpuPercentOfOneCore - b.engine.cpuPercentOfOneCore);
  return { ...sorted[Math.floor(sorted.length / 2)]!, cpuPercentRuns: runs.map((r) => r.engine.cpuPercentOfOneCore) };
}

/**
 * Issue 4's goal: 1,000 concurrent G.711 calls with media on one core, each packet handled
 * in under 1 ms. 'calls' phase: 1,000 full call endpoints (paced PCMU out, jitter-buffer
 * playout through frames() in), plus 20 echo probes whose round trips show how long a
 * packet waits under that load. 'echo' phase: 1,000 echo sessions, every packet timed.
 * 'floor' phase: the same traffic returned by plain dgram sockets, no engine.
 * Rounds interleave the phases; each phase's figures are its median round by engine CPU.
 */
export async function benchG711Calls1000(): Promise<Record<string, unknown>> {
  const calls = Number(process.env.RTP_BENCH_CALLS ?? 1000);
  const rounds = Number(process.env.RTP_BENCH_ROUNDS ?? 3);
  const measureMs = Number(process.env.RTP_BENCH_MEASURE_MS ?? 8000);
  const probes = 20;
  // Above both the kernel's ephemeral ports and the tests' random RTP ranges (20000-56000).
  const machineBefore = { loadavg1: Number(loadavg()[0]!.toFixed(2)), cpuPressureAvg10: cpuPressure(), loopbackUdpCpuUsPerPacket: await loopbackUdpCost() };
  const phases = new Set((process.env.RTP_BENCH_PHASES ?? 'calls,echo,floor,floor-native').split(','));
  const nativeUdp = nativeUdpStatus();
  // The native floor needs the addon; without it the phase is reported as not run, with why.
  if (!nativeUdp.loaded) phases.delete('floor-native');
  const ivrRuns: CallsRun[] = [];
  const echoRuns: CallsRun[] = [];
  const rawRuns: CallsRun[] = [];
  const rawNativeRuns: CallsRun[] = [];
  const ivrDgramRuns: CallsRun[] = [];
  const echoDgramRuns: CallsRun[] = [];
  for (let r = 0; r < rounds; r++) {
    if (phases.has('calls')) ivrRuns.push(await runCalls({ ivr: calls, echo: probes, portBase: 61000, warmupMs: 3000, measureMs }));
    if (phases.has('echo')) echoRuns.push(await runCalls({ ivr: 0, echo: calls, portBase: 61000, warmupMs: 3000, measureMs }));
    if (phases.has('floor')) rawRuns.push(await runCalls({ ivr: 0, echo: 0, raw: calls, portBase: 61000, warmupMs: 3000, measureMs }));
    if (phases.has('calls-dgram')) ivrDgramRuns.push(await runCalls({ ivr: calls, echo: probes, udp: 'dgram', portBase: 61000, warmupMs: 3000, measureMs }));
    if (phases.has('echo-dgram')) echoDgramRuns.push(await runCalls({ ivr: 0, echo: calls, udp: 'dgram', portBase: 61000, warmupMs: 3000, measureMs }));
    if (phases.has('floor-native')) rawNativeRuns.push(await runCalls({ ivr: 0, echo: 0, raw: calls, rawTransport: 'batched', portBase: 61000, warmupMs: 3000, measureMs }));
  }
  const ivr = median(ivrRuns);
  const echo = median(echoRuns);
  const raw = median(rawRuns);
  const rawNative = median(rawNativeRuns);
  const blockedP99 = (run: CallsRun): number => latencyOf(run, 'eventLoop.blockedMs').p99 ?? Infinity;
  const lossFree = ivr.peer.packetsLostAtPeer === 0 && ivr.engine.packetsLostAtEngine === 0;
  const judged = { calls: latencyOf(ivr, 'latency.ivr.engineMs'), callsProbes: latencyOf(ivr, 'latency.echo.engineMs'), echo: latencyOf(echo, 'latency.echo.engineMs'), floor: latencyOf(raw, 'latency.raw.engineMs'), floorNative: latencyOf(rawNative, 'latency.raw.engineMs') };
  const under = (pct: 'p99' | 'p999'): boolean => (judged.calls[pct] ?? Infinity) < 1 && (judged.echo[pct] ?? Infinity) < 1;
  return {
    description: `${calls} concurrent G.711 calls: the engine in its own process, the far ends (a lightweight RTP peer) in the bench process; median of ${rounds} rounds per phase, ${measureMs} ms measured after 3 s of warm-up`,
    callDefinition: `one MediaSession sending and receiving 50 packets/s of 20 ms PCMU (G.711 mu-law, 160-byte payloads): in the calls phase a paced frame out every 20 ms (playFrames) and the far side played out through the jitter buffer (${process.env.RTP_BENCH_FRAME_READER === 'callback' ? 'onFrame' : 'for await over frames()'}); in the echo phase every packet decoded, re-encoded and sent back at once`,
    calls,
    goal: { enginePercentOfOneCoreBelow: 100, perPacketHandlingBelowMs: 1 },
    packetLatencyDefinition: 'engine latency of a packet = the peer\'s send() (its send time, stamped into the payload on the clock both processes share: CLOCK_MONOTONIC) -> the engine process has finished handling it (the receive callback returned: jitter-buffer insert for a call, decode + re-encode + send() of the reply for an echo session). It includes loopback delivery and the time the datagram waited in the socket queue while the engine loop was busy (GC, clock ticks, other packets) or the engine process was not scheduled; it excludes the peer\'s own delays. recvWait + handle = engine. packetUnder1ms: p99 of it under 1 ms in the calls phase (1,000 full calls) and in the echo phase (1,000 echo sessions); p999/max are reported, not judged',
    packetLatencyMs: judged,
    calls1000: { ...ivr, eventLoopBlockedP99Ms: blockedP99(ivr) },
    echo1000: { ...echo, eventLoopBlockedP99Ms: blockedP99(echo) },
    udpFloor1000: { ...raw, eventLoopBlockedP99Ms: blockedP99(raw), what: 'no MediaEngine: plain connected dgram sockets returning each datagram, same peer and load; what Node\'s UDP path alone costs here' },
    udpFloorNative1000: nativeUdp.loaded
      ? { ...rawNative, eventLoopBlockedP99Ms: blockedP99(rawNative), what: 'as udpFloor1000 on the native batched endpoints (core/media/native: recvmmsg into one slab, one JS call per loop turn, sendmmsg queue flushed per turn)' }
      : { notRun: nativeUdp.reason },
    ...(ivrDgramRuns.length ? { calls1000Dgram: { ...median(ivrDgramRuns), what: 'the calls phase with the engine on node:dgram sockets, interleaved with the others (not judged)' } } : {}),
    ...(echoDgramRuns.length ? { echo1000Dgram: { ...median(echoDgramRuns), what: 'the echo phase with the engine on node:dgram sockets, interleaved with the others (not judged)' } } : {}),
    notes: [
      'cpuPercentOfOneCore: process.cpuUsage of the engine process (all its threads) over the window, 100 = one core',
      'engine.latency.<kind>: recvWait (peer send -> receive callback), handle (callback run), engine (their sum, the judged figure); ivr.tickLate/tickToSent: media-clock due time -> the session tick starts / its packet is sent (Date.now() due times and 1 ms timers: 0-1 ms of it is timer granularity); ivr.arrivalToPlayout/peerSendToPlayout include the jitter buffer\'s deliberate delay',
      'engine.eventLoop.blockedMs: a 1 ms interval timer\'s lateness beyond its period (timer granularity adds up to ~1 ms); longestBlocks and gc.longest give atMs from the window start, to line blocks up with GC pauses',
      'peer.rttMs: peer send -> engine -> peer receive for echo sessions (probes in the calls phase); includes both processes\' scheduling and the peer\'s own event loop, so an upper bound',
      'loopback UDP: each send also pays the kernel\'s delivery to the receiving socket, which a NIC would not',
      'engine.mainThread / peer.peerMainThread: time the process\'s main thread was runnable but waited for a CPU (/proc schedstat), per second: waits the machine imposed, included in recvWait',
      'machine.*.loopbackUdpCpuUsPerPacket: CPU us per datagram sent and received over loopback in one process, the yardstick for comparing runs taken at different times on a shared VM',
    ],
    goalMet: {
      fitsOneCore: ivr.engine.cpuPercentOfOneCore < 100 && lossFree,
      packetUnder1ms: under('p99'),
      packetUnder1msP999: under('p999'),
      eventLoopBlockedP99Under1ms: blockedP99(ivr) < 1,
      rttIncludingPeerP99Under1msUnderCallLoad: (ivr.peer.rttMs?.p99 ?? Infinity) < 1,
      rttIncludingPeerP99Under1msEcho: (echo.peer.rttMs?.p99 ?? Infinity) < 1,
    },
    machine: { cpus: cpus().length, before: machineBefore, after: { loadavg1: Number(loadavg()[0]!.toFixed(2)), cpuPressureAvg10: cpuPressure(), loopbackUdpCpuUsPerPacket: await loopbackUdpCost() } },
  };
}
