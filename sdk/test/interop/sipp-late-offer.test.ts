import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimplePeer } from '../../src/index.js';
import { freePort, requireBinary } from './baresip.js';

/** INVITE without SDP; our 200 must carry the offer, SIPp answers in the ACK (RFC 3261 13.2.1). */
const LATE_OFFER = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="late offer">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000

]]></send>
  <pause milliseconds="800"/>
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200" crlf="true"/>
</scenario>
`;

describe('interop: SIPp late-offer INVITE to an SDK peer', function () {
  this.timeout(30000);

  it('answers an INVITE without SDP with an offer and takes the answer from the ACK', async () => {
    requireBinary('sipp');
    const dir = mkdtempSync(join(tmpdir(), 'rvoip-sipp-lo-'));
    const peer = await SimplePeer.create({ name: 'sdk', port: 0, autoAnswer: true });
    try {
      writeFileSync(join(dir, 'late-offer.xml'), LATE_OFFER);
      const incoming = peer.nextIncomingCall();
      const sipp = spawn('sipp', [
        `127.0.0.1:${peer.port}`, '-sf', join(dir, 'late-offer.xml'), '-s', 'sdk', '-i', '127.0.0.1',
        '-p', String(await freePort()), '-mp', String(await freePort()), '-m', '1', '-nostdin', '-timeout', '20s',
      ], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      // A test killed by its timeout must not leave SIPp running.
      const killSipp = (): void => { sipp.kill('SIGKILL'); };
      process.once('exit', killSipp);
      sipp.once('exit', () => process.off('exit', killSipp));
      let err = '';
      sipp.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      const code = new Promise<number | null>((resolve) => sipp.once('exit', resolve));
      const call = await incoming;
      await call.waitForAnswer(10_000);
      expect(call.codec).to.equal('PCMU');
      await call.waitForEnd();
      expect(await code, err).to.equal(0);
    } finally {
      await peer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
