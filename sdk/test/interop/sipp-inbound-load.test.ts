import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimplePeer } from '../../src/index.js';
import { freePort, requireBinary } from './baresip.js';

const CALLS = 300;

describe('interop: SIPp places 300 calls to an auto-answering SDK peer', function () {
  this.timeout(120_000);

  it('answers every call (0 failed in SIPp) and keeps no session or call afterwards', async () => {
    requireBinary('sipp');
    const dir = mkdtempSync(join(tmpdir(), 'rvoip-sipp-in-'));
    const peer = await SimplePeer.create({ name: 'sdk', port: 0, autoAnswer: true });
    try {
      const stats = join(dir, 'stats.csv');
      const sipp = spawn('sipp', [
        `127.0.0.1:${peer.port}`, '-sn', 'uac', '-s', 'sdk', '-i', '127.0.0.1', '-p', String(await freePort()),
        '-mp', String(await freePort()), '-m', String(CALLS), '-r', '50', '-l', '40', '-d', '200',
        '-nostdin', '-trace_stat', '-stf', stats, '-fd', '1', '-timeout', '90s',
      ], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      // A test killed by its timeout must not leave SIPp running.
      const killSipp = (): void => { sipp.kill('SIGKILL'); };
      process.once('exit', killSipp);
      sipp.once('exit', () => process.off('exit', killSipp));
      let err = '';
      sipp.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      const code = await new Promise<number | null>((resolve) => sipp.once('exit', resolve));
      expect(code, err).to.equal(0);
      const lines = readFileSync(stats, 'utf8').trim().split('\n');
      const head = lines[0]!.split(';');
      const row = lines[lines.length - 1]!.split(';');
      const s = Object.fromEntries(head.map((h, i) => [h, row[i] ?? '']));
      expect(Number(s['SuccessfulCall(C)'])).to.equal(CALLS);
      expect(Number(s['FailedCall(C)'])).to.equal(0);
      for (let i = 0; i < 50 && peer.sessions.count() > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(peer.sessions.count()).to.equal(0);
      expect(peer.activeCalls).to.have.length(0);
    } finally {
      await peer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
