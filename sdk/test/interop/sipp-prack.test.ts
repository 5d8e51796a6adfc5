import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimplePeer } from '../../src/index.js';
import { freePort, requireBinary, sleep } from './baresip.js';

const SDP = `v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
`;

/**
 * UAS: 183 with SDP sent reliably (Require: 100rel, RSeq), insists on the PRACK, then 200.
 * The INVITE's Via/From/To are kept in variables: after the PRACK, [last_*] means the PRACK.
 */
const RELIABLE_183 = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="reliable 183">
  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp=".*" search_in="hdr" header="Via:" check_it="true" assign_to="via"/>
      <ereg regexp=".*" search_in="hdr" header="From:" check_it="true" assign_to="from"/>
      <ereg regexp=".*" search_in="hdr" header="To:" check_it="true" assign_to="to"/>
    </action>
  </recv>
  <send retrans="500"><![CDATA[
SIP/2.0 183 Session Progress
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Require: 100rel
RSeq: 1
Content-Type: application/sdp
Content-Length: [len]

${SDP}
]]></send>
  <recv request="PRACK" crlf="true"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <pause milliseconds="300"/>
  <send retrans="500"><![CDATA[
SIP/2.0 200 OK
Via: [$via]
From: [$from]
To: [$to];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
CSeq: 1 INVITE
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

${SDP}
]]></send>
  <recv request="ACK" crlf="true"/>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
`;

describe('interop: SIPp sends a reliable 183 (RFC 3262) to an SDK caller', function () {
  this.timeout(30000);

  it('PRACKs the reliable provisional (early media), then completes the call', async () => {
    requireBinary('sipp');
    const dir = mkdtempSync(join(tmpdir(), 'rvoip-sipp-prack-'));
    const sipPort = await freePort();
    const peer = await SimplePeer.create({ name: 'sdk', port: 0 });
    try {
      writeFileSync(join(dir, 'prack.xml'), RELIABLE_183);
      const sipp = spawn('sipp', [
        '-sf', join(dir, 'prack.xml'), '-i', '127.0.0.1', '-p', String(sipPort), '-mp', String(await freePort()),
        '-m', '1', '-nostdin', '-timeout', '20s',
      ], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      // A test killed by its timeout must not leave SIPp running.
      const killSipp = (): void => { sipp.kill('SIGKILL'); };
      process.once('exit', killSipp);
      sipp.once('exit', () => process.off('exit', killSipp));
      let err = '';
      sipp.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      const code = new Promise<number | null>((resolve) => sipp.once('exit', resolve));
      await sleep(300);
      const call = await peer.call(`sipp@127.0.0.1:${sipPort}`);
      const states: string[] = [];
      call.onState((s) => states.push(s));
      await call.waitForAnswer(10_000);
      expect(states).to.deep.equal(['early-media', 'active']);
      await call.hangup();
      expect(await code, err).to.equal(0);
    } finally {
      await peer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
