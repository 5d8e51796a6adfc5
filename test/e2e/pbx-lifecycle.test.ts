/**
 * PBX lifecycle acceptance, with `rvoip start` as a process on SQLite storage:
 * registrations (digest, from our own SipStack client) survive a SIGTERM restart and still
 * route calls; SIGTERM ends a live bridged call with BYE to both parties, exits 0 and
 * leaves the call's CDRs in the database.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SipRequestError, SipStack } from '@rvoip/sip';
import type { DialogEndReason, IncomingInvite, Registration, SipDialog } from '@rvoip/sip';
import { REPO_ROOT, freeUdpPort, runRvoip } from './helpers.js';
import type { RvoipProcess } from './helpers.js';

const DOMAIN = 'pbx.e2e';
const USERS = [{ username: '1001', password: 'alpha-1' }, { username: '1002', password: 'bravo-2' }];

interface ApiRegistration { aor: string; contact: string; callId: string; expiresInSeconds: number }

/** The server under scripts/rvoip.mjs (its only child), so cleanup can reach it even if the wrapper is gone. */
function serverPid(wrapper: RvoipProcess): number | undefined {
  const pid = wrapper.child.pid;
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return kids.length > 0 ? Number(kids[0]) : undefined;
  } catch {
    return undefined;
  }
}

function killHard(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** A PCMU offer/answer for a party that never sends RTP (the PBX anchors media either way). */
function sdp(port: number): string {
  return ['v=0', `o=e2e ${port} 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');
}

describe('rvoip start: registrations across restarts, SIGTERM with a live call (SQLite)', function () {
  this.timeout(120_000);
  let dir: string;
  let db: string;
  let config: string;
  let sipPort: number;
  let rvoip: RvoipProcess | undefined;
  const servers: number[] = [];
  let alice: SipStack;
  let bob: SipStack;
  let aliceReg: Registration;
  let onAliceInvite: (inv: IncomingInvite) => void = (inv) => void inv.reject(486);

  async function start(): Promise<string> {
    rvoip = runRvoip(['start', '--config', config], dir);
    await rvoip.waitFor(/pbx routing calls/, 60_000);
    const pid = serverPid(rvoip);
    if (pid !== undefined) servers.push(pid);
    const line = await rvoip.waitFor(/"url":"http:\/\/[^"]+"[^\n]*HTTP listening/);
    return /"url":"(http:\/\/[^"]+?)\/?"/.exec(line)![1]!;
  }

  async function registrations(api: string): Promise<ApiRegistration[]> {
    const res = await fetch(`${api}/api/v1/registrations`);
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { registrations: ApiRegistration[]; count: number };
    expect(body.count).to.equal(body.registrations.length);
    return body.registrations;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rvoip-pbx-lifecycle-'));
    // An operator's deployment folder: `storage.adapter: 'sqlite'` resolves from its node_modules.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
    db = join(dir, 'data', 'rvoip.db');
    sipPort = await freeUdpPort();
    config = join(dir, 'rvoip.config.json');
    writeFileSync(config, JSON.stringify({
      sip: { listen: [`udp://127.0.0.1:${sipPort}`], domain: DOMAIN },
      media: { rtpPorts: [40000, 40999] },
      registrar: { auth: 'digest', users: USERS },
      http: { listen: '127.0.0.1:0' },
      storage: { adapter: 'sqlite', options: { path: db } },
      log: { level: 'info' },
    }));
    alice = await SipStack.create({ listen: ['udp://127.0.0.1:0'], domain: DOMAIN });
    bob = await SipStack.create({ listen: ['udp://127.0.0.1:0'], domain: DOMAIN });
    alice.onInvite((inv) => onAliceInvite(inv));
  });

  after(async () => {
    await rvoip?.stop('SIGKILL');
    for (const pid of servers) killHard(pid);
    // Closing alice un-REGISTERs with a server that is gone: bound the wait, not the cleanup.
    await Promise.race([Promise.allSettled([alice?.close(), bob?.close()]), new Promise((r) => setTimeout(r, 2000))]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a digest registration is in storage after SIGTERM + restart, and calls to the AOR still reach the phone', async () => {
    let api = await start();
    aliceReg = await alice.register({
      registrar: `sip:127.0.0.1:${sipPort}`, aor: `sip:1001@${DOMAIN}`, credentials: USERS[0]!, expires: 600,
    });
    expect(aliceReg.registered).to.equal(true);
    const before = await registrations(api);
    expect(before.map((r) => r.aor)).to.deep.equal([`sip:1001@${DOMAIN}`]);
    expect(before[0]!.callId).to.equal(aliceReg.callId);

    expect(await rvoip!.stop('SIGTERM'), rvoip!.output().slice(-3000)).to.equal(0);
    api = await start();
    const after = await registrations(api);
    expect(after, 'bindings listed by the restarted node').to.have.length(1);
    expect(after[0]).to.include({ aor: before[0]!.aor, contact: before[0]!.contact, callId: aliceReg.callId });
    expect(after[0]!.expiresInSeconds).to.be.within(1, 600);

    // Routing reads the same storage: an INVITE to the AOR is forked to alice's contact.
    const arrived = new Promise<IncomingInvite>((resolve) => (onAliceInvite = (inv) => {
      resolve(inv);
      void inv.reject(486);
    }));
    const call = bob.invite({
      to: `sip:1001@${DOMAIN}`, from: `<sip:1002@${DOMAIN}>`, target: { protocol: 'udp', host: '127.0.0.1', port: sipPort },
      body: sdp(49170), contentType: 'application/sdp',
    });
    const invite = await arrived;
    expect(invite.request.method).to.equal('INVITE');
    expect(invite.request.uri.toString()).to.contain(`@127.0.0.1:${alice.listeningPoints()[0]!.port}`);
    const failed = await call.answered.then(() => undefined, (err: unknown) => err);
    expect(failed, 'the caller gets the callee\'s refusal, not a dialog').to.be.instanceOf(SipRequestError);
    expect((failed as SipRequestError).status).to.equal(486);
  });

  it('SIGTERM ends live calls (bridged and echo) with BYE to every party, exits 0 and stores their CDRs', async () => {
    const aliceDialog = new Promise<SipDialog>((resolve) => (onAliceInvite = (inv) => {
      void inv.accept({ body: sdp(49180), contentType: 'application/sdp' }).then(resolve);
    }));
    const call = bob.invite({
      to: `sip:1001@${DOMAIN}`, from: `<sip:1002@${DOMAIN}>`, target: { protocol: 'udp', host: '127.0.0.1', port: sipPort },
      body: sdp(49190), contentType: 'application/sdp',
    });
    // A second live call, answered by the PBX itself.
    const echoCall = bob.invite({
      to: `sip:echo@${DOMAIN}`, from: `<sip:1002@${DOMAIN}>`, target: { protocol: 'udp', host: '127.0.0.1', port: sipPort },
      body: sdp(49200), contentType: 'application/sdp',
    });
    const [callee, caller, echo] = await Promise.all([aliceDialog, call.answered, echoCall.answered]);
    const ended = (d: SipDialog): Promise<DialogEndReason> => new Promise((resolve) => d.onTerminated(resolve));
    const calleeEnded = ended(callee);
    const callerEnded = ended(caller);
    const echoEnded = ended(echo);
    await rvoip!.waitFor(/pbx call answered/);

    expect(await rvoip!.stop('SIGTERM'), rvoip!.output().slice(-3000)).to.equal(0);
    expect(rvoip!.output()).to.match(/"calls":3[,}][^\n]*pbx ending live calls for shutdown/);
    expect(await calleeEnded, 'callee leg').to.equal('remote-bye');
    expect(await callerEnded, 'caller leg').to.equal('remote-bye');
    expect(await echoEnded, 'echo call').to.equal('remote-bye');
    expect(rvoip!.output()).to.not.match(/service stop failed|call event adapter (failed|timed out)/);
    // SQLite drops the WAL when its last connection closes cleanly: storage was flushed and closed.
    expect(existsSync(`${db}-wal`)).to.equal(false);

    const sqlite = new DatabaseSync(db, { readOnly: true });
    try {
      const cdrs = sqlite.prepare('SELECT call_id, direction, end_reason, answered_at, duration_ms FROM cdrs').all() as Array<{ call_id: string; direction: string; end_reason: string; answered_at: number | null }>;
      const inbound = cdrs.find((c) => c.call_id === caller.callId);
      const outbound = cdrs.find((c) => c.call_id === callee.callId);
      expect(inbound, `CDR of the caller's leg in ${JSON.stringify(cdrs)}`).to.include({ direction: 'inbound' });
      expect(outbound, `CDR of the callee's leg in ${JSON.stringify(cdrs)}`).to.include({ direction: 'outbound' });
      expect(inbound!.answered_at).to.be.a('number');
      expect(outbound!.answered_at).to.be.a('number');
      expect(cdrs.find((c) => c.call_id === echo.callId), `CDR of the echo call in ${JSON.stringify(cdrs)}`).to.include({ direction: 'inbound', end_reason: 'normal' });
      expect([inbound!.end_reason, outbound!.end_reason]).to.deep.equal(['normal', 'normal']);
      const bindings = sqlite.prepare('SELECT aor, call_id FROM bindings').all();
      expect(bindings).to.deep.equal([{ aor: `sip:1001@${DOMAIN}`, call_id: aliceReg.callId }]);
    } finally {
      sqlite.close();
    }
  });
});
