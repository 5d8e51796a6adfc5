/**
 * End-to-end helpers: run `rvoip` exactly as an operator does (scripts/rvoip.mjs under the
 * Node 24 binary of node_modules/.bin) and wait for what it prints.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RvoipProcess {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function runRvoip(args: string[], cwd = REPO_ROOT): RvoipProcess {
  // Its own process group, so SIGKILL reaches the server under the scripts/rvoip.mjs wrapper too.
  const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts/rvoip.mjs'), ...args], { cwd, env: { ...process.env }, detached: true });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          const m = pattern.exec(out);
          if (m) {
            clearInterval(poll);
            resolve(m[0]);
          } else if (child.exitCode !== null || Date.now() - started > timeoutMs) {
            clearInterval(poll);
            reject(new Error(`rvoip never printed ${pattern} (exit ${child.exitCode}); output:\n${out}`));
          }
        }, 50);
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.pid !== undefined) {
        // SIGTERM/SIGINT go to the wrapper, which forwards them (the graceful path under test);
        // SIGKILL cannot be forwarded, so it goes to the whole group.
        if (signal === 'SIGKILL') {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // The group is already gone.
          }
        } else child.kill(signal);
      }
      return exited;
    },
  };
}

/** An unused UDP port on 127.0.0.1 (bound, read, released). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
