/**
 * Durability of `rvoip start` itself (not a stand-alone registrar): SIPp registers
 * thousands of distinct users (registrar.auth false: SIPp cannot answer per-user digest)
 * and the server process is stopped mid-load, by SIGKILL (no shutdown code runs) or by
 * SIGTERM (a clean stop under load, exit 0, storage closed). Reading the SQLite file
 * afterwards, every binding whose 200 OK SIPp received must be there. The SIPp scenario and
 * runner are the registrar suite's (core/session/test/registrar), reused by path.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { REPO_ROOT, freeUdpPort, runRvoip } from './helpers.js';
import type { RvoipProcess } from './helpers.js';
import { received200s, requireSipp, runSipp } from '../../core/session/test/registrar/sipp.js';

/** The server under scripts/rvoip.mjs: the wrapper's only child. */
function serverPid(wrapper: RvoipProcess): number {
  const pid = wrapper.child.pid;
  const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  if (kids.length !== 1) throw new Error(`expected one server process under the rvoip wrapper ${pid}, found [${kids.join(', ')}]`);
  const cmdline = readFileSync(`/proc/${kids[0]}/cmdline`, 'utf8');
  if (!cmdline.includes('core/kernel/src/cli/main.ts')) throw new Error(`process ${kids[0]} is not the rvoip server: ${cmdline.replaceAll('\0', ' ')}`);
  return Number(kids[0]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface LoadOutcome {
  /** Exit code of scripts/rvoip.mjs (it passes the server's on, 1 when the server died by a signal). */
  readonly exitCode: number | null;
  readonly server: number;
  readonly loggedAtStop: number;
  readonly acked: Array<{ callId: string; user: string }>;
  readonly sippFailed: number;
  readonly db: string;
}

describe('rvoip start: stopped under SIPp REGISTER load, loses no acknowledged binding (SQLite)', function () {
  this.timeout(180_000);
  const dirs: string[] = [];
  const servers: number[] = [];
  const wrappers: RvoipProcess[] = [];
  before(requireSipp);
  after(async () => {
    for (const pid of servers) if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (const w of wrappers) await w.stop('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Starts rvoip on a fresh SQLite file, runs SIPp with `users` distinct REGISTERs at 400/s,
   * and sends `signal` to the server once the PBX logged `stopAfter` new bindings.
   */
  async function loadAndStop(signal: 'SIGKILL' | 'SIGTERM', users: number, stopAfter: number): Promise<LoadOutcome> {
    const dir = mkdtempSync(join(tmpdir(), 'rvoip-pbx-crash-'));
    dirs.push(dir);
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
    const db = join(dir, 'rvoip.db');
    const port = await freeUdpPort();
    const config = join(dir, 'rvoip.config.json');
    // The scenario's AORs are sip:<user>@example.com.
    writeFileSync(config, JSON.stringify({
      sip: { listen: [`udp://127.0.0.1:${port}`], domain: 'example.com' },
      registrar: { auth: false },
      storage: { adapter: 'sqlite', options: { path: db } },
      log: { level: 'info' },
    }));
    writeFileSync(join(dir, 'users.csv'), ['SEQUENTIAL', ...Array.from({ length: users }, (_, i) => `${signal}-${i}`)].join('\n') + '\n');
    const rvoip = runRvoip(['start', '--config', config], dir);
    wrappers.push(rvoip);
    await rvoip.waitFor(/pbx routing calls/, 60_000);
    const server = serverPid(rvoip);
    servers.push(server);
    const wrapperExit = new Promise<number | null>((resolve) => rvoip.child.once('exit', (code) => resolve(code)));

    let loggedAtStop = 0;
    const stopped = new Promise<void>((resolve) => {
      let seen = 0;
      let from = 0;
      const poll = setInterval(() => {
        const out = rvoip.output();
        // Count whole lines only, from where the last scan stopped.
        const end = out.lastIndexOf('\n') + 1;
        seen += out.slice(from, end).split('"kind":"added"').length - 1;
        from = end;
        if (seen < stopAfter) return;
        clearInterval(poll);
        loggedAtStop = seen;
        process.kill(server, signal);
        resolve();
      }, 20);
    });
    const run = await runSipp(dir, port, 'register-users.xml', [
      '-inf', join(dir, 'users.csv'), '-r', '400', '-l', '400', '-m', String(users), '-recv_timeout', '2000', '-max_retrans', '2',
    ]);
    await stopped;
    const exitCode = await wrapperExit;
    return { exitCode, server, loggedAtStop, acked: received200s(run.messageFile), sippFailed: run.failed, db };
  }

  /** Acknowledged registrations missing from the database file. */
  function missingFrom(db: string, acked: LoadOutcome['acked']): { missing: LoadOutcome['acked']; rows: number } {
    const sqlite = new DatabaseSync(db, { readOnly: true });
    try {
      const rows = sqlite.prepare('SELECT aor, call_id FROM bindings').all() as Array<{ aor: string; call_id: string }>;
      const stored = new Set(rows.map((r) => `${r.aor} ${r.call_id}`));
      return { missing: acked.filter((a) => !stored.has(`sip:${a.user}@example.com ${a.callId}`)), rows: rows.length };
    } finally {
      sqlite.close();
    }
  }

  it('kill -9: every 200 OK SIPp received is a binding in the database the killed server leaves behind', async () => {
    const o = await loadAndStop('SIGKILL', 5000, 1500);
    expect(o.exitCode, 'the wrapper reports its server died').to.equal(1);
    expect(alive(o.server), `server ${o.server} is gone`).to.equal(false);
    expect(new Set(o.acked.map((a) => a.user)).size, '200 OKs before the kill').to.be.at.least(1200);
    expect(o.sippFailed, 'registrations cut by the kill').to.be.greaterThan(0);
    expect(o.loggedAtStop).to.be.at.least(1500);
    expect(existsSync(`${o.db}-wal`), 'the kill left the WAL for the reader to recover').to.equal(true);
    const { missing, rows } = missingFrom(o.db, o.acked);
    expect(missing, `acknowledged to SIPp but not in the database (${rows} rows)`).to.deep.equal([]);
  });

  it('SIGTERM under load: exits 0 with storage closed, and every 200 OK SIPp received is a binding', async () => {
    const o = await loadAndStop('SIGTERM', 3000, 1000);
    expect(o.exitCode, 'clean stop').to.equal(0);
    expect(alive(o.server)).to.equal(false);
    expect(new Set(o.acked.map((a) => a.user)).size, '200 OKs before the stop').to.be.at.least(800);
    expect(o.sippFailed, 'registrations refused or unanswered once stopped').to.be.greaterThan(0);
    // SQLite removes the WAL when the last connection closes cleanly: storage was closed.
    expect(existsSync(`${o.db}-wal`), 'WAL checkpointed and removed by close').to.equal(false);
    const { missing, rows } = missingFrom(o.db, o.acked);
    expect(missing, `acknowledged to SIPp but not in the database (${rows} rows)`).to.deep.equal([]);
  });
});
