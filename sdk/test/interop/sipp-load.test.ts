import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimplePeer } from '../../src/index.js';
import { freePort, requireBinary } from './baresip.js';

const CALLS = 500;
const CONCURRENCY = 20;

/** SIPp's last statistics row as a name -> value map (the -trace_stat CSV is ';'-separated). */
function lastStats(file: string): Record<string, string> {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const head = lines[0]!.split(';');
  const row = lines[lines.length - 1]!.split(';');
  return Object.fromEntries(head.map((h, i) => [h, row[i] ?? '']));
}

describe('interop: SIPp -rtp_echo takes 500 calls from an SDK peer', function () {
  this.timeout(180_000);

  it(`places ${CALLS} calls (${CONCURRENCY} at a time) with 0 failures on either side`, async () => {
    requireBinary('sipp');
    const dir = mkdtempSync(join(tmpdir(), 'rvoip-sipp-'));
    const sipPort = await freePort();
    const mediaPort = await freePort();
    const stats = join(dir, 'stats.csv');
    const sipp = spawn('sipp', [
      '-sn', 'uas', '-i', '127.0.0.1', '-p', String(sipPort), '-mp', String(mediaPort), '-rtp_echo',
      '-m', String(CALLS), '-nostdin', '-trace_stat', '-stf', stats, '-fd', '1',
    ], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    // A test killed by its timeout must not leave SIPp running.
    const killSipp = (): void => { sipp.kill('SIGKILL'); };
    process.once('exit', killSipp);
    sipp.once('exit', () => process.off('exit', killSipp));
    let sippErr = '';
    sipp.stderr.on('data', (d: Buffer) => { sippErr += d.toString(); });
    const exited = new Promise<number | null>((resolve) => sipp.once('exit', (code) => resolve(code)));
    const peer = await SimplePeer.create({ name: 'load', port: 0 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      let next = 0;
      const failures: string[] = [];
      const worker = async (): Promise<void> => {
        while (next < CALLS) {
          const n = next++;
          try {
            const call = await peer.call(`sipp@127.0.0.1:${sipPort}`);
            await call.waitForAnswer(15_000);
            // Media flows on every call; SIPp echoes it. The echo is not decoded here: it
            // carries our own SSRC, which core/media treats as an SSRC collision.
            await call.playTone([440], 100);
            await call.hangup();
          } catch (err) {
            failures.push(`call ${n}: ${(err as Error).message}`);
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      expect(failures, failures.slice(0, 5).join('\n')).to.deep.equal([]);
      const code = await Promise.race([exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 15_000))]);
      expect(code, `sipp did not exit after ${CALLS} calls: ${sippErr}`).to.equal(0);
      const s = lastStats(stats);
      expect(Number(s['SuccessfulCall(C)'])).to.equal(CALLS);
      expect(Number(s['FailedCall(C)'])).to.equal(0);
      expect(peer.activeCalls).to.have.length(0);
      expect(peer.sessions.count()).to.equal(0);
    } finally {
      await peer.close();
      if (sipp.exitCode === null) sipp.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
