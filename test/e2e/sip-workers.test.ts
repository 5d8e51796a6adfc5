/**
 * `rvoip start` with `sip.workers: 2` on SQLite: the main thread and one worker thread
 * share the UDP port (SO_REUSEPORT). 40 phones, each its own socket, register with
 * digest; every registration succeeds, all are listed by the main thread's API, and the
 * per-thread counters show which thread served each phone. Calls to the echo service from
 * phones of both threads are answered and end with a 200 to their BYE: the worker
 * forwards the INVITE/ACK/BYE to the main thread, which owns the calls.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SipStack } from '@rvoip/sip';
import type { Registration } from '@rvoip/sip';
import { REPO_ROOT, freeUdpPort, runRvoip } from './helpers.js';
import type { RvoipProcess } from './helpers.js';

const DOMAIN = 'workers.e2e';
const PHONES = 40;
const USERS = Array.from({ length: PHONES }, (_, i) => ({ username: `u${i}`, password: `pw${i}` }));

function sdp(port: number): string {
  return ['v=0', `o=e2e ${port} 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');
}

/** One labelled sample of a Prometheus text exposition (0 when absent). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('rvoip start: sip.workers 2 (REGISTER on two threads, calls in the main thread)', function () {
  this.timeout(180_000);
  let dir: string;
  let sipPort: number;
  let api: string;
  let rvoip: RvoipProcess | undefined;
  const phones: SipStack[] = [];
  const registrations: Registration[] = [];
  /** Which thread served each phone's REGISTER (0 main, 1 worker). */
  const servedBy: number[] = [];

  async function metrics(): Promise<string> {
    const res = await fetch(`${api}/metrics`);
    expect(res.status).to.equal(200);
    return res.text();
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rvoip-sip-workers-'));
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
    sipPort = await freeUdpPort();
    const config = join(dir, 'rvoip.config.json');
    writeFileSync(config, JSON.stringify({
      sip: { listen: [`udp://127.0.0.1:${sipPort}`], domain: DOMAIN, workers: 2 },
      media: { rtpPorts: [41000, 41999] },
      registrar: { auth: 'digest', users: USERS },
      http: { listen: '127.0.0.1:0' },
      storage: { adapter: 'sqlite', options: { path: join(dir, 'data', 'rvoip.db') } },
      log: { level: 'info' },
    }));
    rvoip = runRvoip(['start', '--config', config], dir);
    await rvoip.waitFor(/pbx routing calls/, 60_000);
    const line = await rvoip.waitFor(/"url":"http:\/\/[^"]+"[^\n]*HTTP listening/);
    api = /"url":"(http:\/\/[^"]+?)\/?"/.exec(line)![1]!;
    for (let i = 0; i < PHONES; i++) phones.push(await SipStack.create({ listen: ['udp://127.0.0.1:0'], domain: DOMAIN }));
  });

  after(async () => {
    await Promise.race([Promise.allSettled(phones.map((p) => p.close())), new Promise((r) => setTimeout(r, 3000))]);
    if (rvoip !== undefined && rvoip.child.exitCode === null) await rvoip.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts one worker thread that logs with its worker field', () => {
    const out = rvoip!.output();
    expect(out).to.match(/"worker":1,[^\n]*"msg":"sip worker serving REGISTER"/);
    expect(out).to.match(/"workers":2,[^\n]*"msg":"sip workers started"/);
  });

  it('registers 40 phones from 40 sockets, served by both threads, all listed by the API', async () => {
    for (let i = 0; i < PHONES; i++) {
      const before = await metrics();
      const reg = await phones[i]!.register({
        registrar: `sip:127.0.0.1:${sipPort}`, aor: `sip:u${i}@${DOMAIN}`, credentials: USERS[i]!, expires: 600,
      });
      registrations.push(reg);
      expect(reg.registered, `u${i}`).to.equal(true);
      const after = await metrics();
      const worker = sample(after, 'rvoip_sip_worker_requests_total{worker="1"}') - sample(before, 'rvoip_sip_worker_requests_total{worker="1"}');
      const main = sample(after, 'rvoip_sip_worker_requests_total{worker="0"}') - sample(before, 'rvoip_sip_worker_requests_total{worker="0"}');
      // A phone's datagrams all hash to one socket: the challenge and the authenticated REGISTER.
      expect([main, worker], `u${i}`).to.satisfy(([m, w]: number[]) => (m! >= 2 && w === 0) || (w! >= 2 && m === 0));
      servedBy.push(worker > 0 ? 1 : 0);
    }
    expect(servedBy.filter((t) => t === 0), 'phones served by the main thread').to.not.be.empty;
    expect(servedBy.filter((t) => t === 1), 'phones served by the worker thread').to.not.be.empty;

    const res = await fetch(`${api}/api/v1/registrations`);
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { registrations: Array<{ aor: string }>; count: number };
    expect(body.registrations.map((r) => r.aor)).to.have.members(USERS.map((u) => `sip:${u.username}@${DOMAIN}`));
    expect(sample(await metrics(), 'rvoip_registrar_aors')).to.equal(PHONES);
  });

  it('answers echo calls from phones of both threads and ends each with a 200 to BYE', async () => {
    const pick = (thread: number): number[] => servedBy.flatMap((t, i) => (t === thread ? [i] : [])).slice(0, 3);
    const callers = [...pick(1), ...pick(0)];
    for (const i of callers) {
      const forwardedBefore = sample(await metrics(), 'rvoip_sip_worker_forwarded_total{worker="1"}');
      const call = phones[i]!.invite({
        to: `sip:echo@${DOMAIN}`, from: `<sip:u${i}@${DOMAIN}>`, target: { protocol: 'udp', host: '127.0.0.1', port: sipPort },
        body: sdp(42000 + 2 * i), contentType: 'application/sdp',
      });
      const dialog = await call.answered;
      expect(dialog.state, `u${i}`).to.equal('confirmed');
      await rvoip!.waitFor(new RegExp(`"callId":"${dialog.callId}"[^\\n]*"route":"echo"[^\\n]*pbx call routed`));
      const bye = await dialog.request('BYE');
      expect(bye.status, `u${i} BYE`).to.equal(200);
      await rvoip!.waitFor(new RegExp(`"callId":"${dialog.callId}","route":"echo"[^\\n]*pbx call ended`));
      const forwarded = sample(await metrics(), 'rvoip_sip_worker_forwarded_total{worker="1"}') - forwardedBefore;
      // INVITE, ACK and BYE of a worker's phone reach the main thread through the worker.
      if (servedBy[i] === 1) expect(forwarded, `u${i} forwarded`).to.be.at.least(3);
      else expect(forwarded, `u${i} forwarded`).to.equal(0);
    }
  });

  it('stops the worker, then itself, on SIGTERM (exit 0)', async () => {
    expect(await rvoip!.stop('SIGTERM'), rvoip!.output().slice(-3000)).to.equal(0);
    const out = rvoip!.output();
    expect(out.indexOf('"msg":"sip worker stopped"')).to.be.greaterThan(0);
    expect(out.indexOf('"msg":"sip worker stopped"')).to.be.lessThan(out.indexOf('"msg":"rvoip stopped"'));
    expect(out).to.not.match(/"level":50/);
  });
});
