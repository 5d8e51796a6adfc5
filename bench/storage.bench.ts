/**
 * SQLite storage figures (@rvoip/storage-sqlite on node:sqlite, WAL journal):
 *  - benchSqliteBindingsFull / benchSqliteBindingsNormal: contact-binding puts/s and gets/s
 *    (one AOR lookup each) with synchronous=FULL (the default: an fsync per commit) and
 *    synchronous=NORMAL (no fsync per commit; survives a process crash, not a power cut).
 *    Puts are measured one at a time (each awaited: one commit each, the worst case) and
 *    with 32 in flight (concurrent REGISTERs: the adapter's group commit shares one commit
 *    per event-loop turn).
 * Each run is time-bounded and reports CPU as well, since machines are shared and noisy.
 * The file lives in the OS temp dir, so figures depend on that disk's fsync latency.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStorageAdapter } from '@rvoip/storage-sqlite';
import type { SynchronousMode } from '@rvoip/storage-sqlite';

const AORS = 1000;

async function measure(op: (i: number) => Promise<unknown>, seconds: number, inFlight = 1): Promise<{ ops: number; perSecond: number; cpuMicrosPerOp: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  let ops = 0;
  // Check the clock every 64 ops: performance.now() is cheap, but not free next to a cached read.
  while (ops % 64 !== 0 || performance.now() < deadline) {
    if (inFlight === 1) await op(ops++);
    else await Promise.all(Array.from({ length: inFlight }, () => op(ops++)));
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    ops,
    perSecond: Math.round((ops / wallMs) * 1000),
    cpuMicrosPerOp: Number(((cpu.user + cpu.system) / ops).toFixed(1)),
  };
}

async function bindings(synchronous: SynchronousMode): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'rvoip-bench-sqlite-'));
  const db = new SqliteStorageAdapter({ path: join(dir, 'bench.db'), synchronous });
  try {
    await db.open();
    const expiresAt = new Date(Date.now() + 3_600_000);
    const put = (i: number): Promise<void> =>
      db.bindings.put({
        aor: `sip:user${i % AORS}@bench.example`,
        contact: `sip:user${i % AORS}@192.0.2.${i % 250}:5060`,
        expiresAt,
        callId: `call-${i}`,
        cseq: i,
        userAgent: 'rvoip-bench',
        source: { transport: 'udp', address: '192.0.2.1', port: 5060 },
      });
    const puts = await measure(put, 3);
    const concurrentPuts = await measure(put, 3, 32);
    const gets = await measure((i) => db.bindings.get(`sip:user${i % AORS}@bench.example`), 2);
    return {
      description: `contact bindings with synchronous=${synchronous.toUpperCase()} (WAL): puts awaited one by one and 32 in flight; gets read one AOR of ${AORS}`,
      pragmas: db.pragmas(),
      rows: (await db.bindings.all()).length,
      putsPerSecond: puts.perSecond,
      putCpuMicros: puts.cpuMicrosPerOp,
      putsPerSecond32InFlight: concurrentPuts.perSecond,
      put32InFlightCpuMicros: concurrentPuts.cpuMicrosPerOp,
      getsPerSecond: gets.perSecond,
      getCpuMicros: gets.cpuMicrosPerOp,
    };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function benchSqliteBindingsFull(): Promise<Record<string, unknown>> {
  return bindings('full');
}

export function benchSqliteBindingsNormal(): Promise<Record<string, unknown>> {
  return bindings('normal');
}
