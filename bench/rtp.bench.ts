/**
 * Media engine figures:
 *  - benchRtpEchoRing: packets per second through receive -> decode -> encode -> send.
 *    Two engines on loopback both in echo mode; a window of packets is injected and keeps
 *    circulating, so every hop is one full engine pass (no pacing, CPU-bound).
 *  - benchG711Concurrent100: CPU for 100 concurrent G.711 calls with both ends in this
 *    process (200 endpoints), each sending a paced tone and playing out the far side's
 *    audio through its jitter buffer, measured with process.cpuUsage over a fixed time.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MediaEngine } from '@rvoip/media';
import type { MediaSession } from '@rvoip/media';

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
