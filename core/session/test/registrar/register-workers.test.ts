/**
 * The multi-worker registrar (bench/tools/registrar-server.ts --workers 2): two worker
 * threads, each a SipStack with its own SO_REUSEPORT socket on one UDP port, bindings in
 * one SQLite file, nonces checked under one shared secret. Many client sockets register
 * with digest; every flow must succeed and both workers must have answered some.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { runRegisterLoad } from '../../../../bench/tools/register-load.js';

const SERVER = fileURLToPath(new URL('../../../../bench/tools/registrar-server.ts', import.meta.url));

function nextLine(lines: Interface, child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`registrar-server exited with ${code} before printing`));
    child.once('exit', onExit);
    lines.once('line', (line) => {
      child.off('exit', onExit);
      resolve(line);
    });
  });
}

describe('session/registrar: two worker threads on one UDP port (SO_REUSEPORT)', function () {
  this.timeout(120_000);
  let child: ChildProcess | undefined;

  afterEach(() => {
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
  });

  it('serves authenticated REGISTERs from many sources with both workers used, no errors', async () => {
    if (process.platform !== 'linux') throw new Error('SO_REUSEPORT load spreading is tested on Linux only');
    child = spawn(process.execPath, ['--import', 'tsx', '--conditions=rvoip-source', SERVER, '--workers', '2', '--users', '200'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! });
    const { port, workers } = JSON.parse(await nextLine(lines, child)) as { port: number; workers: number };
    expect(workers).to.equal(2);
    // 32 source ports: the kernel's hash puts some on each socket (all on one: ~2^-31).
    const report = await runRegisterLoad({ port, users: 200, window: 16, threads: 1, sockets: 32, durationMs: 1000, domain: 'bench.rvoip' });
    expect(report.errors).to.deep.equal({});
    expect(report.ok).to.be.greaterThan(0);
    const stopped = nextLine(lines, child);
    child.kill('SIGTERM');
    const { handled } = JSON.parse(await stopped) as { handled: number[] };
    expect(handled).to.have.length(2);
    expect(handled[0], 'worker 0 answered REGISTERs').to.be.greaterThan(0);
    expect(handled[1], 'worker 1 answered REGISTERs').to.be.greaterThan(0);
    // Warm-up (200 users) plus the measured flows, each ending in exactly one 200.
    expect(handled[0]! + handled[1]!).to.be.at.least(report.ok + 200);
  });
});
