/**
 * Runs SIPp (Debian `sip-tester`) as a real peer and reads its final statistics from the
 * CSV it writes with -trace_stat, so a test can assert successful and failed call counts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SippResult {
  exitCode: number | null;
  successful: number;
  failed: number;
  retransmissions: number;
  /** Calls SIPp aborted because a message arrived that its scenario did not expect. */
  failedUnexpected: number;
  stderr: string;
  stdout: string;
}

export function requireSipp(): void {
  const probe = spawnSync('sipp', ['-v'], { encoding: 'utf8' });
  if (probe.error) throw new Error('SIPp is not installed: `apt-get install sip-tester` (the CI script installs it)');
}

export function runSipp(args: string[], timeoutMs: number): Promise<SippResult> {
  const dir = mkdtempSync(join(tmpdir(), 'rvoip-sipp-'));
  return new Promise((resolve, reject) => {
    const child = spawn('sipp', [...args, '-nostdin', '-trace_stat', '-fd', '1', '-stf', join(dir, 'stats.csv')], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      try {
        const file = readdirSync(dir).find((f) => f.endsWith('.csv'));
        const stats = file ? parseStats(readFileSync(join(dir, file), 'utf8')) : { successful: 0, failed: 0, retransmissions: 0, failedUnexpected: 0 };
        resolve({ exitCode: code, ...stats, stderr, stdout });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/** The last row of SIPp's stat CSV holds the cumulative counters. */
function parseStats(csv: string): { successful: number; failed: number; retransmissions: number; failedUnexpected: number } {
  const lines = csv.trim().split('\n');
  const header = lines[0]!.split(';');
  const last = lines[lines.length - 1]!.split(';');
  const col = (name: string): number => Number(last[header.indexOf(name)] ?? NaN);
  return {
    successful: col('SuccessfulCall(C)'),
    failed: col('FailedCall(C)'),
    retransmissions: col('Retransmissions(C)'),
    failedUnexpected: col('FailedUnexpectedMessage(C)'),
  };
}
