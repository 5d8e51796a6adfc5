/**
 * Durability: the registrar runs in a child process on SQLite while SIPp registers
 * thousands of distinct users (-inf CSV); the child is killed with SIGKILL mid-load. After
 * reopening the database, every binding whose 200 OK SIPp received (its -trace_msg log)
 * and every one the registrar reported sending must be there: the write is awaited
 * before the 200 OK leaves.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { expect } from 'chai';
import { SqliteStorageAdapter } from '@rvoip/storage-sqlite';
import { received200s, requireSipp, runSipp } from './sipp.js';

const CHILD = resolve(import.meta.dirname, 'fixtures/registrar-child.ts');
const USERS = 6000;

describe('session/registrar crash: kill -9 under SIPp load loses no acknowledged binding', function () {
  this.timeout(240_000);
  let dir: string;
  let child: ChildProcess | undefined;
  before(requireSipp);
  after(() => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('every 200 OK SIPp got (and every one the registrar logged) is in the reopened SQLite database', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rvoip-reg-crash-'));
    const db = join(dir, 'registrar.db');
    writeFileSync(join(dir, 'users.csv'), ['SEQUENTIAL', ...Array.from({ length: USERS }, (_, i) => `crash${i}`)].join('\n') + '\n');
    child = spawn(process.execPath, ['--import', 'tsx', '--conditions=rvoip-source', CHILD, '--db', db], { stdio: ['ignore', 'pipe', 'inherit'] });
    const logged: Array<{ aor: string; callId: string }> = [];
    const lines = createInterface({ input: child.stdout! });
    const port = await new Promise<number>((resolvePort, reject) => {
      child!.once('exit', (code) => reject(new Error(`registrar child exited (${code}) before listening`)));
      lines.on('line', (line) => {
        if (line.startsWith('{')) resolvePort((JSON.parse(line) as { port: number }).port);
        const m = /^OK (\S+) (\S+)$/.exec(line);
        if (m) logged.push({ aor: m[1]!, callId: m[2]! });
      });
    });

    // Kill once a good share of the load was acknowledged, while REGISTERs keep arriving.
    const killed = new Promise<number>((resolveKill) => {
      const poll = setInterval(() => {
        if (logged.length < 1500) return;
        clearInterval(poll);
        child!.kill('SIGKILL');
        resolveKill(logged.length);
      }, 20);
    });
    const run = await runSipp(dir, port, 'register-users.xml', [
      '-inf', join(dir, 'users.csv'), '-r', '400', '-l', '400', '-m', String(USERS), '-recv_timeout', '2000', '-max_retrans', '2',
    ]);
    const loggedAtKill = await killed;
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child!.once('exit', r));
    expect(child.signalCode).to.equal('SIGKILL');

    const acked = received200s(run.messageFile);
    expect(acked.length, '200 OKs before the kill').to.be.greaterThan(1000);
    expect(run.failed, 'calls cut by the kill').to.be.greaterThan(0);
    expect(loggedAtKill).to.be.at.least(1500);

    const storage = new SqliteStorageAdapter({ path: db });
    await storage.open();
    try {
      const stored = new Map((await storage.bindings.all()).map((b) => [`${b.aor} ${b.callId}`, b]));
      const missingAcked = acked.filter((a) => !stored.has(`sip:${a.user}@example.com ${a.callId}`));
      expect(missingAcked, 'acknowledged to SIPp but not in the database').to.deep.equal([]);
      const missingLogged = logged.filter((l) => !stored.has(`${l.aor} ${l.callId}`));
      expect(missingLogged, 'logged as sent but not in the database').to.deep.equal([]);
    } finally {
      await storage.close();
    }
  });
});
