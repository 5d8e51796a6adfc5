/**
 * `rvoip start` as the PBX relaying early media between real peers: baresip (1001) calls
 * 1003, a SIPp UAS registered with digest that answers 183 with SDP, streams a 1400 Hz
 * tone for three seconds and only then sends 200. baresip must hear the tone before the
 * answer, through the PBX's anchored legs.
 */
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WavReader, dominantFrequency } from '@rvoip/media';
import { freeUdpPort, runRvoip } from './helpers.js';
import type { RvoipProcess } from './helpers.js';
import { PbxPhone, requireBinary } from './pbx-phone.js';

const DOMAIN = 'pbx.e2e';
const USERS = [{ username: '1001', password: 'alpha-1' }, { username: '1003', password: 'charlie-3' }];

const REGISTER = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register 1003">
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:1003@${DOMAIN}>;tag=[pid]reg
To: <sip:1003@${DOMAIN}>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:1003@[local_ip]:[local_port]>
Max-Forwards: 70
Expires: 600
Content-Length: 0

]]></send>
  <recv response="401" auth="true"/>
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:1003@${DOMAIN}>;tag=[pid]reg
To: <sip:1003@${DOMAIN}>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:1003@[local_ip]:[local_port]>
[authentication]
Max-Forwards: 70
Expires: 600
Content-Length: 0

]]></send>
  <recv response="200"/>
</scenario>
`;

const SDP = `v=0
o=sipp 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
`;

function earlyUas(toneFile: string): string {
  const response = (status: string): string => `SIP/2.0 ${status}
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:1003@[local_ip]:[local_port]>
Content-Type: application/sdp
Content-Length: [len]

${SDP}`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="183 with early media, then 200">
  <recv request="INVITE" crlf="true"/>
  <send><![CDATA[
${response('183 Session Progress')}
]]></send>
  <nop><action><exec rtp_stream="${toneFile},1,0"/></action></nop>
  <pause milliseconds="3000"/>
  <send retrans="500"><![CDATA[
${response('200 OK')}
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
}

function runSipp(dir: string, args: string[]): { exited: Promise<number | null>; output: () => string; kill: () => void } {
  const proc = spawn('sipp', [...args, '-nostdin'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  return {
    exited: new Promise((resolve) => proc.once('exit', (code) => resolve(code))),
    output: () => out,
    kill: () => { if (proc.exitCode === null) proc.kill('SIGKILL'); },
  };
}

/** `p`, or a failure naming `what` (with `detail()`) after `ms`: a stuck SIPp must not hang the suite. */
async function within<T>(p: Promise<T>, ms: number, what: string, detail: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms\n${detail()}`)), ms); });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('rvoip start as a PBX: early media from a SIPp callee to a baresip caller', function () {
  this.timeout(90_000);
  let dir: string;
  let rvoip: RvoipProcess;
  let alice: PbxPhone | undefined;
  let pbxPort: number;

  before(async () => {
    requireBinary('sipp', 'sip-tester');
    requireBinary('sox', 'sox');
    dir = mkdtempSync(join(tmpdir(), 'rvoip-pbx-early-'));
    pbxPort = await freeUdpPort();
    const config = join(dir, 'rvoip.config.json');
    writeFileSync(config, JSON.stringify({
      sip: { listen: [`udp://127.0.0.1:${pbxPort}`], domain: DOMAIN },
      media: { rtpPorts: [30000, 39999] },
      storage: { adapter: 'memory' },
      registrar: { auth: 'digest', digestAlgorithms: ['MD5'], users: USERS },
      log: { level: 'info' },
    }));
    rvoip = runRvoip(['start', '--config', config], dir);
    await rvoip.waitFor(/pbx routing calls/);
  });
  after(async () => {
    await alice?.stop();
    await rvoip?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('baresip hears the callee\'s tone in early media, before the 200', async () => {
    const sipPort = await freeUdpPort();
    const mediaPort = await freeUdpPort();
    writeFileSync(join(dir, 'register.xml'), REGISTER);
    const reg = runSipp(dir, [`127.0.0.1:${pbxPort}`, '-sf', 'register.xml', '-i', '127.0.0.1', '-p', String(sipPort),
      '-au', '1003', '-ap', 'charlie-3', '-m', '1', '-timeout', '15s']);
    const regCode = await within(reg.exited, 20_000, 'SIPp did not register', () => reg.output());
    expect(regCode, `${reg.output()}\n${rvoip.output().slice(-3000)}`).to.equal(0);
    await rvoip.waitFor(/"aor":"sip:1003@pbx\.e2e","kind":"added"[^\n]*pbx registration/);

    const tone = join(dir, 'tone-1400-ulaw.wav');
    spawnSync('sox', ['-n', '-r', '8000', '-c', '1', '-e', 'u-law', tone, 'synth', '3', 'sine', '1400', 'vol', '0.3']);
    writeFileSync(join(dir, 'early-uas.xml'), earlyUas(tone));
    const uas = runSipp(dir, ['-sf', 'early-uas.xml', '-i', '127.0.0.1', '-p', String(sipPort), '-mi', '127.0.0.1',
      '-mp', String(mediaPort), '-m', '1', '-timeout', '40s']);
    try {
      alice = await PbxPhone.start({ user: '1001', password: 'alpha-1', pbxPort, domain: DOMAIN, toneHz: 600 });
      await alice.waitLog(/200 OK \(rvoip[^)]*\) \[1 binding\]/);
      await alice.command('dial', `sip:1003@${DOMAIN}`);
      await rvoip.waitFor(/pbx relaying early media/);
      await alice.waitFor('CALL_ESTABLISHED', 20_000);
      await alice.command('hangup');
      await alice.waitFor('CALL_CLOSED');
      const detail = (): string => `${uas.output().slice(-3000)}\n${rvoip.output().slice(-3000)}\n${alice?.log.slice(-3000) ?? ''}`;
      expect(await within(uas.exited, 20_000, 'the SIPp callee did not finish its call', detail), uas.output()).to.equal(0);
    } finally {
      uas.kill();
      reg.kill();
    }
    expect(alice.log, 'baresip got our 183 with SDP').to.match(/SIP\/2\.0 183 Session Progress[\s\S]*m=audio/);
    const [heard] = alice.dumps('dec');
    expect(heard, alice.log.slice(-2000)).to.be.a('string');
    const pcm = WavReader.readMono(heard!, 8000);
    // The stream stops when SIPp answers; its first seconds are the early media.
    const early = pcm.subarray(4000, 20_000);
    const rms = Math.sqrt(early.reduce((s, v) => s + v * v, 0) / early.length);
    expect(rms, 'early media carries audio, not silence').to.be.greaterThan(500);
    expect(dominantFrequency(early, 8000, [600, 1400])).to.equal(1400);
  });
});
