/**
 * Durability of `rvoip start` itself (not a stand-alone registrar): SIPp registers
 * thousands of distinct users (registrar.auth false: SIPp cannot answer per-user digest)
 * and the server process is killed with SIGKILL mid-load. Reading the SQLite file
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

const USERS = 5000;
/** Acknowledged registrations (as logged by the PBX) before the kill: a good share, load still running. */
const KILL_AFTER = 1500;

/** The server under scripts/rvoip.mjs: the wrapper's only child. */
function serverPid(wrapper: RvoipProcess): number {
  const pid = wrapper.child.pid;
  const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  if (kids.length !== 1) throw new Error(`expected one server process under the rvoip wrapper ${pid}, found [${kids.join(', ')}]`);
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

describe('rvoip start: kill -9 under SIPp REGISTER load loses no acknowledged binding (SQLite)', function () {
  this.timeout(180_000);
  let dir: string;
  let rvoip: RvoipProcess | undefined;
  let server: number | undefined;
  before(requireSipp);
  after(async () => {
    if (server !== undefined && alive(server)) process.kill(server, 'SIGKILL');
    await rvoip?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('every 200 OK SIPp received is a binding in the database the killed server leaves behind', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rvoip-pbx-crash-'));
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
    writeFileSync(join(dir, 'users.csv'), ['SEQUENTIAL', ...Array.from({ length: USERS }, (_, i) => `kill${i}`)].join('\n') + '\n');
    rvoip = runRvoip(['start', '--config', config], dir);
    await rvoip.waitFor(/pbx routing calls/, 60_000);
    server = serverPid(rvoip);
    const wrapperExit = new Promise<number | null>((resolve) => rvoip!.child.once('exit', (code) => resolve(code)));

    let loggedAtKill = 0;
    const killed = new Promise<void>((resolve) => {
      let seen = 0;
      let from = 0;
      const poll = setInterval(() => {
        const out = rvoip!.output();
        // Count whole lines only, from where the last scan stopped.
        const end = out.lastIndexOf('\n') + 1;
        seen += out.slice(from, end).split('"kind":"added"').length - 1;
        from = end;
        if (seen < KILL_AFTER) return;
        clearInterval(poll);
        loggedAtKill = seen;
        process.kill(server!, 'SIGKILL');
        resolve();
      }, 20);
    });
    const run = await runSipp(dir, port, 'register-users.xml', [
      '-inf', join(dir, 'users.csv'), '-r', '400', '-l', '400', '-m', String(USERS), '-recv_timeout', '2000', '-max_retrans', '2',
    ]);
    await killed;
    expect(await wrapperExit, 'the wrapper reports its server died').to.equal(1);
    expect(alive(server), `server ${server} is gone`).to.equal(false);

    const acked = received200s(run.messageFile);
    expect(new Set(acked.map((a) => a.user)).size, '200 OKs before the kill').to.be.at.least(KILL_AFTER - 200);
    expect(run.failed, 'registrations cut by the kill').to.be.greaterThan(0);
    expect(loggedAtKill).to.be.at.least(KILL_AFTER);

    expect(existsSync(`${db}-wal`), 'the kill left the WAL for the reader to recover').to.equal(true);
    const sqlite = new DatabaseSync(db, { readOnly: true });
    try {
      const rows = sqlite.prepare('SELECT aor, call_id FROM bindings').all() as Array<{ aor: string; call_id: string }>;
      const stored = new Set(rows.map((r) => `${r.aor} ${r.call_id}`));
      const missing = acked.filter((a) => !stored.has(`sip:${a.user}@example.com ${a.callId}`));
      expect(missing, `acknowledged to SIPp but not in the database (${rows.length} rows)`).to.deep.equal([]);
    } finally {
      sqlite.close();
    }
  });
});
