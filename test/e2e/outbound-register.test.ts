/**
 * Outbound registration from the SDK to a foreign registrar: SimplePeer.register() with
 * digest against Kamailio 5.6 (outbound-register.kamailio.cfg: usrloc in memory, qop=auth,
 * plaintext passwords). Kamailio's usrloc is read with `kamcmd ul.dump`, and an INVITE to
 * the AOR sent through Kamailio must reach the peer; after the peer unregisters (close),
 * the contact is gone and Kamailio answers 404.
 */
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decision, RegistrationFailedError, SimplePeer } from '@rvoip/sdk';
import type { IncomingRequestInfo } from '@rvoip/sdk';
import { SipRequestError, SipStack } from '@rvoip/sip';
import { REPO_ROOT, freeUdpPort } from './helpers.js';

const KAMAILIO = '/usr/sbin/kamailio';
const CFG = join(REPO_ROOT, 'test/e2e/outbound-register.kamailio.cfg');
const USER = { username: 'alice', password: 'wonder-land' };

function requireKamailio(): void {
  for (const bin of [KAMAILIO, 'kamcmd']) {
    const probe = spawnSync(bin, ['-v'], { encoding: 'utf8' });
    if (probe.error !== undefined) throw new Error(`${bin} not found: install the Debian package kamailio (5.6)`);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('SDK register() against Kamailio 5.6 with digest', function () {
  this.timeout(60_000);
  let dir: string;
  let ctl: string;
  let port: number;
  let kamailio: ChildProcess | undefined;
  let kamailioLog = '';
  let peer: SimplePeer | undefined;
  let caller: SipStack | undefined;
  const invites: IncomingRequestInfo[] = [];

  function ulDump(): string {
    const r = spawnSync('kamcmd', ['-s', `unix:${ctl}`, 'ul.dump'], { encoding: 'utf8', timeout: 5000 });
    if (r.status !== 0) throw new Error(`kamcmd ul.dump failed (${r.status}): ${r.stderr}\nkamailio log:\n${kamailioLog.slice(-2000)}`);
    return r.stdout;
  }

  /** INVITE to the AOR through Kamailio; resolves with the final status. */
  async function inviteAor(): Promise<number> {
    const call = caller!.invite({
      to: `sip:alice@127.0.0.1:${port}`, from: '<sip:carol@127.0.0.1>', target: { protocol: 'udp', host: '127.0.0.1', port },
      body: ['v=0', 'o=carol 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 49200 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n'),
      contentType: 'application/sdp',
    });
    const outcome = await call.answered.then(async (dialog) => (await dialog.bye(), 200), (err: unknown) => err);
    if (outcome instanceof SipRequestError) return outcome.status;
    if (typeof outcome === 'number') return outcome;
    throw outcome;
  }

  before(async () => {
    requireKamailio();
    dir = mkdtempSync(join(tmpdir(), 'rvoip-kamailio-'));
    ctl = join(dir, 'kamailio.ctl');
    port = await freeUdpPort();
    // Own process group: Kamailio forks workers, and cleanup takes them all.
    kamailio = spawn(KAMAILIO, ['-f', CFG, '-DD', '-E', '-n', '1', '-l', `udp:127.0.0.1:${port}`, '-Y', dir, '-A', `CTL_SOCKET="unix:${ctl}"`], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    kamailio.stdout!.on('data', (d: Buffer) => (kamailioLog += d.toString()));
    kamailio.stderr!.on('data', (d: Buffer) => (kamailioLog += d.toString()));
    for (let i = 0; ; i++) {
      if (kamailio.exitCode !== null) throw new Error(`kamailio exited ${kamailio.exitCode}:\n${kamailioLog.slice(-2000)}`);
      if (spawnSync('kamcmd', ['-s', `unix:${ctl}`, 'core.uptime'], { timeout: 2000 }).status === 0) break;
      if (i > 100) throw new Error(`kamailio did not start:\n${kamailioLog.slice(-2000)}`);
      await sleep(100);
    }
    peer = await SimplePeer.create({
      name: 'alice', port: 0,
      decide: (req) => {
        invites.push(req);
        return Decision.reject(486, 'Busy Here');
      },
    });
    caller = await SipStack.create({ listen: ['udp://127.0.0.1:0'], domain: '127.0.0.1' });
  });

  after(async () => {
    await Promise.race([Promise.allSettled([peer?.close(), caller?.close()]), sleep(3000)]);
    if (kamailio?.pid !== undefined && kamailio.exitCode === null) {
      const exited = new Promise((resolve) => kamailio!.once('exit', resolve));
      process.kill(-kamailio.pid, 'SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      try {
        process.kill(-kamailio.pid, 'SIGKILL');
      } catch {
        // the group is gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('a wrong password is refused after the challenge and binds nothing', async () => {
    const err = await peer!.register({ registrar: `sip:127.0.0.1:${port}`, username: 'alice', password: 'wrong' }).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(RegistrationFailedError);
    expect((err as RegistrationFailedError).status).to.equal(401);
    expect(ulDump()).to.not.contain('AoR: alice');
  });

  it('registers with digest (200), Kamailio routes an INVITE for the AOR to the peer, unregister removes the contact', async () => {
    await peer!.register({ registrar: `sip:127.0.0.1:${port}`, ...USER, expires: 300 });
    const dump = ulDump();
    expect(dump).to.contain('AoR: alice');
    const contact = /Address: (sip:[^\s]+)/.exec(dump)?.[1];
    expect(contact, dump).to.match(/^sip:alice@127\.0\.0\.1:\d+/);
    expect(contact).to.not.contain(`:${port}`);
    expect(/Expires: (\d+)/.exec(dump)?.[1], dump).to.satisfy((s: string) => Number(s) > 0 && Number(s) <= 300);

    expect(await inviteAor(), 'the peer\'s own answer comes back through Kamailio').to.equal(486);
    expect(invites, 'INVITEs that reached the peer').to.have.length(1);
    expect(invites[0]!.requestUri).to.equal(contact);

    await peer!.close();
    peer = undefined;
    expect(ulDump()).to.not.contain('AoR: alice');
    expect(await inviteAor(), 'no contact left for the AOR').to.equal(404);
    expect(invites).to.have.length(1);
  });
});
