/**
 * DigestServer against a real client: SIPp registers with [authentication] (MD5,
 * qop=auth) against a minimal registrar made of a TransportLayer and a DigestServer.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DigestServer } from '../../src/auth/digest-server.js';
import type { DigestVerdict } from '../../src/auth/digest-server.js';
import { TransportLayer } from '../../src/transport/transport-layer.js';
import type { ReceivedInfo } from '../../src/transport/types.js';
import type { SipMessage } from '../../src/message/message.js';
import { SipResponse } from '../../src/message/message.js';
import { createResponse } from '../../src/transaction/response.js';

function requireSipp(): void {
  const probe = spawnSync('sipp', ['-v'], { stdio: 'ignore' });
  if (probe.error !== undefined) {
    throw new Error('sipp is not on PATH: install the Debian package "sip-tester" to run the SIPp digest tests');
  }
}

function scenario(password: string, finalStatus: number): string {
  const register = (cseq: number, auth: string): string => `
  <send retrans="500">
    <![CDATA[
REGISTER sip:example.com SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:alice@example.com>;tag=[call_number]
To: <sip:alice@example.com>
Call-ID: [call_id]
CSeq: ${cseq} REGISTER
Contact: <sip:alice@[local_ip]:[local_port]>
${auth}Max-Forwards: 70
Expires: 300
Content-Length: 0

    ]]>
  </send>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="digest register">${register(1, '')}
  <recv response="401" auth="true"/>${register(2, `[authentication username=alice password=${password}]\n`)}
  <recv response="${finalStatus}"/>
</scenario>
`;
}

describe('digest interop with SIPp', function () {
  this.timeout(30_000);
  let transport: TransportLayer | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await transport?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  async function run(
    password: string,
    finalStatus: number,
    opts: { authUri?: string; checkUri?: boolean } = {},
  ): Promise<{ code: number | null; verdicts: DigestVerdict[]; stderr: string }> {
    requireSipp();
    dir = mkdtempSync(join(tmpdir(), 'rvoip-sipp-'));
    const server = new DigestServer({
      realm: 'example.com',
      secret: 'sipp-secret',
      algorithms: ['MD5'],
      ...(opts.checkUri === undefined ? {} : { checkUri: opts.checkUri }),
      lookup: async (u) => (u === 'alice' ? 'wonderland' : undefined),
    });
    transport = new TransportLayer();
    const [point] = await transport.listen(['udp://127.0.0.1:0']);
    const verdicts: DigestVerdict[] = [];
    const t = transport;
    t.onMessage(async (msg: SipMessage, source: ReceivedInfo) => {
      if (msg instanceof SipResponse || msg.method !== 'REGISTER') return;
      const verdict = await server.verify(msg);
      verdicts.push(verdict);
      const res = createResponse(msg, verdict.kind === 'ok' ? 200 : verdict.status);
      if (verdict.kind === 'challenge') for (const h of verdict.headers) res.appendHeader(h.name, h.value);
      await t.sendResponse(res, source);
    });
    const file = join(dir, 'register.xml');
    writeFileSync(file, scenario(password, finalStatus));
    const sipp = spawn(
      'sipp',
      [
        ...['-sf', file, '-m', '1', '-i', '127.0.0.1', '-p', '0', '-nostdin', '-timeout', '20s'],
        ...(opts.authUri === undefined ? [] : ['-auth_uri', opts.authUri]),
        `127.0.0.1:${point!.port}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    sipp.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => sipp.once('exit', resolve));
    return { code, verdicts, stderr };
  }

  // SIPp digests sip:<remote ip>:<port> unless told the Request-URI with -auth_uri.
  it('SIPp registers with MD5 qop=auth (digest uri = Request-URI)', async () => {
    const { code, verdicts, stderr } = await run('wonderland', 200, { authUri: 'example.com' });
    expect(code, stderr + JSON.stringify(verdicts)).to.equal(0);
    expect(verdicts.map((v) => v.kind)).to.deep.equal(['challenge', 'ok']);
  });

  it('SIPp without -auth_uri gets 400 from a strict server and 200 with checkUri off', async () => {
    const strict = await run('wonderland', 400);
    expect(strict.code, strict.stderr).to.equal(0);
    expect(strict.verdicts.map((v) => v.kind)).to.deep.equal(['challenge', 'bad-request']);
    await transport?.close();
    rmSync(dir!, { recursive: true, force: true });
    const { code, verdicts, stderr } = await run('wonderland', 200, { checkUri: false });
    expect(code, stderr + JSON.stringify(verdicts)).to.equal(0);
    expect(verdicts.map((v) => v.kind)).to.deep.equal(['challenge', 'ok']);
  });

  it('SIPp with a wrong password gets 403', async () => {
    const { code, verdicts, stderr } = await run('wrong', 403, { authUri: 'example.com' });
    expect(code, stderr + JSON.stringify(verdicts)).to.equal(0);
    expect(verdicts.map((v) => v.kind)).to.deep.equal(['challenge', 'forbidden']);
  });
});
