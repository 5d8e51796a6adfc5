/** Runs SIPp (Debian `sip-tester`) for the registrar suites and reads its statistics. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SCENARIOS = resolve(import.meta.dirname, 'sipp');

/** Fails with a clear message when SIPp is missing (CI installs sip-tester). */
export function requireSipp(): void {
  const probe = spawnSync('sipp', ['-v'], { encoding: 'utf8' });
  if (probe.error !== undefined) throw new Error('sipp is not on PATH: install the Debian package sip-tester (SIPp 3.6)');
}

export interface SippRun {
  readonly code: number | null;
  readonly successful: number;
  readonly failed: number;
  readonly messageFile: string;
}

/**
 * `sipp 127.0.0.1:<port> -sf <scenario> <args>` in `dir`, with a statistics file and a
 * message trace; resolves when SIPp exits on its own (-m reached).
 */
export function runSipp(dir: string, port: number, scenario: string, args: readonly string[], timeoutMs = 120_000): Promise<SippRun> {
  const statFile = join(dir, 'stats.csv');
  const messageFile = join(dir, 'messages.log');
  const child = spawn('sipp', [
    `127.0.0.1:${port}`, '-sf', join(SCENARIOS, scenario), '-i', '127.0.0.1', '-p', '0', '-nostdin',
    '-trace_stat', '-stf', statFile, '-trace_msg', '-message_file', messageFile, ...args,
  ], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolveRun, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sipp did not finish within ${timeoutMs} ms: ${stderr.slice(-400)}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!existsSync(statFile)) return reject(new Error(`sipp exited ${code} without statistics: ${stderr.slice(-400)}`));
      const { successful, failed } = lastStats(statFile);
      resolveRun({ code, successful, failed, messageFile });
    });
  });
}

function lastStats(file: string): { successful: number; failed: number } {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const header = lines[0]!.split(';');
  const last = lines.at(-1)!.split(';');
  const col = (name: string): number => Number(last[header.indexOf(name)]);
  return { successful: col('SuccessfulCall(C)'), failed: col('FailedCall(C)') };
}

/** Call-ID and To user of every 200 OK SIPp received, from its -trace_msg file. */
export function received200s(messageFile: string): Array<{ callId: string; user: string }> {
  const out: Array<{ callId: string; user: string }> = [];
  for (const block of readFileSync(messageFile, 'latin1').split(/^-{20,}.*$/m)) {
    if (!/message received/.test(block)) continue;
    const text = block.slice(block.indexOf('\n', block.indexOf('message received')) + 1).trimStart();
    if (!text.startsWith('SIP/2.0 200')) continue;
    const callId = /^Call-ID:\s*(.+)$/im.exec(text)?.[1]?.trim();
    const user = /^To:\s*<sip:([^@>]+)@/im.exec(text)?.[1];
    if (callId !== undefined && user !== undefined) out.push({ callId, user });
  }
  return out;
}
