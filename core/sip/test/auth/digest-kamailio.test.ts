/**
 * DigestClient against a real Kamailio 5.6 registrar (auth module, MD5 and SHA-256,
 * nonce_count checking on), over UDP on loopback.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DigestClient } from '../../src/auth/digest-client.js';
import type { AuthorizationLine } from '../../src/auth/digest-client.js';
import type { DigestBaseAlgorithm } from '../../src/auth/algorithms.js';
import { TransportLayer } from '../../src/transport/transport-layer.js';
import type { SipMessage, SipRequest } from '../../src/message/message.js';
import { SipResponse } from '../../src/message/message.js';
import { parseAuthHeader } from '../../src/message/auth-header.js';
import { register } from './fixtures.js';

function requireKamailio(): void {
  const probe = spawnSync('kamailio', ['-v'], { stdio: 'ignore' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error('kamailio is not on PATH: install the Debian package "kamailio" to run the digest interop tests');
  }
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function config(port: number, algorithm: DigestBaseAlgorithm): string {
  return `#!KAMAILIO
debug=1
log_stderror=yes
children=1
disable_tcp=yes
listen=udp:127.0.0.1:${port}
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "auth.so"
modparam("auth", "algorithm", "${algorithm}")
modparam("auth", "secret", "rvoip-interop-secret")
modparam("auth", "nonce_count", 1)
request_route {
  if (!pv_www_authenticate("$td", "wonderland", "0")) {
    www_challenge("$td", "1");
    exit;
  }
  sl_send_reply("200", "OK");
}
`;
}

/** Sends requests to Kamailio and waits for the response with the same CSeq. */
class Peer {
  private readonly waiting = new Map<number, (res: SipResponse) => void>();

  constructor(
    private readonly transport: TransportLayer,
    private readonly port: number,
  ) {
    transport.onMessage((msg: SipMessage) => {
      if (msg instanceof SipResponse) this.waiting.get(msg.cseq.seq)?.(msg);
    });
  }

  /** Resends until answered: Kamailio may still be starting. */
  async send(req: SipRequest): Promise<SipResponse> {
    const answered = new Promise<SipResponse>((resolve) => this.waiting.set(req.cseq.seq, resolve));
    let done = false;
    void answered.then(() => (done = true));
    for (let attempt = 0; attempt < 100 && !done; attempt++) {
      await this.transport.sendRequest(req, { protocol: 'udp', host: '127.0.0.1', port: this.port });
      await Promise.race([answered, new Promise((r) => setTimeout(r, 100))]);
    }
    if (!done) throw new Error(`kamailio on port ${this.port} never answered ${req.method} CSeq ${req.cseq.seq}`);
    return answered;
  }
}

function withCredentials(cseq: number, lines: readonly AuthorizationLine[]): SipRequest {
  return register(cseq, lines.map((l) => `${l.name}: ${l.value}`));
}

describe('digest interop with Kamailio', function () {
  this.timeout(30_000);
  let kamailio: ChildProcess | undefined;
  let transport: TransportLayer | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    if (kamailio?.pid !== undefined && kamailio.exitCode === null) {
      const exited = new Promise((resolve) => kamailio!.once('exit', resolve));
      kamailio.kill('SIGTERM');
      await exited;
    }
    await transport?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function start(algorithm: DigestBaseAlgorithm): Promise<Peer> {
    requireKamailio();
    dir = mkdtempSync(join(tmpdir(), 'rvoip-kamailio-'));
    const port = await freeUdpPort();
    const cfg = join(dir, 'kamailio.cfg');
    writeFileSync(cfg, config(port, algorithm));
    kamailio = spawn('kamailio', ['-f', cfg, '-DD', '-E', '-n', '1', '-Y', dir, '-P', join(dir, 'pid')], { stdio: 'ignore' });
    transport = new TransportLayer();
    await transport.listen(['udp://127.0.0.1:0']);
    return new Peer(transport, port);
  }

  for (const algorithm of ['MD5', 'SHA-256'] as const) {
    it(`registers with ${algorithm}, then pre-emptively with the next nc`, async () => {
      const peer = await start(algorithm);
      const client = new DigestClient({ username: 'alice', password: 'wonderland' });
      const first = register(1);
      const challenge = await peer.send(first);
      expect(challenge.status).to.equal(401);
      expect(parseAuthHeader(challenge.headers.get('www-authenticate')!).param('algorithm') ?? 'MD5').to.equal(algorithm);
      const lines = client.authorize(first, challenge);
      expect((await peer.send(withCredentials(2, lines))).status).to.equal(200);
      const next = client.authorizeFollowUp(register(3));
      expect(parseAuthHeader(next[0]!.value).param('nc')).to.equal('00000002');
      expect((await peer.send(withCredentials(3, next))).status).to.equal(200);
      // Kamailio tracks nc (nonce_count=1): the same nc again is refused with a new challenge.
      expect((await peer.send(withCredentials(4, next))).status).to.equal(401);
    });
  }

  it('a wrong password is challenged again and DigestClient refuses to loop', async () => {
    const peer = await start('SHA-256');
    const client = new DigestClient({ username: 'alice', password: 'not-it' });
    const first = register(1);
    const second = withCredentials(2, client.authorize(first, await peer.send(first)));
    const again = await peer.send(second);
    expect(again.status).to.equal(401);
    expect(() => client.authorize(second, again)).to.throw().with.property('code', 'RVOIP_ERR_AUTH_CREDENTIALS_REJECTED');
  });
});
