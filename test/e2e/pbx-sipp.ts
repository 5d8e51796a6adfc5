/**
 * SIPp against the PBX's echo service: a UAC scenario (INVITE with a PCMU offer, ACK, a
 * second of RTP from `rtp_stream`, BYE) and a runner that returns SIPp's final counters.
 * Shared by test/e2e/pbx-sipp-echo.test.ts and bench/pbx.bench.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function echoScenario(domain: string, rtpFile: string, holdMs: number): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="rvoip pbx echo uac">
  <send retrans="500"><![CDATA[
INVITE sip:echo@${domain} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:echo@${domain}>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=sipp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=sendrecv

]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
ACK sip:echo@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:echo@${domain}>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
  <nop><action><exec rtp_stream="${rtpFile},1,0"/></action></nop>
  <pause milliseconds="${holdMs}"/>
  <send retrans="500"><![CDATA[
BYE sip:echo@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:echo@${domain}>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200" crlf="true"/>
</scenario>
`;
}

export interface SippRun {
  readonly code: number | null;
  readonly successful: number;
  readonly failed: number;
  readonly elapsedMs: number;
  readonly stderr: string;
}

/** SIPp's last statistics row as a name -> value map (the -trace_stat CSV is ';'-separated). */
function lastStats(file: string): Record<string, string> {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const head = lines[0]!.split(';');
  const row = lines[lines.length - 1]!.split(';');
  return Object.fromEntries(head.map((h, i) => [h, row[i] ?? '']));
}

export interface EchoLoad {
  readonly dir: string;
  readonly pbxPort: number;
  readonly domain: string;
  readonly calls: number;
  /** New calls per second SIPp aims for, and how many may be up at once. */
  readonly rate: number;
  readonly limit: number;
  /** How long each call stays up sending RTP. */
  readonly holdMs: number;
  readonly timeoutMs: number;
}

/** Writes the scenario and an 8 kHz u-law tone (sox), runs SIPp to completion. */
export async function runEchoLoad(o: EchoLoad): Promise<SippRun> {
  const rtp = join(o.dir, 'tone-ulaw.wav');
  spawnSync('sox', ['-n', '-r', '8000', '-c', '1', '-e', 'u-law', rtp, 'synth', String(Math.max(1, o.holdMs / 1000)), 'sine', '800', 'vol', '0.3']);
  const scenario = join(o.dir, 'echo-uac.xml');
  writeFileSync(scenario, echoScenario(o.domain, rtp, o.holdMs));
  const stats = join(o.dir, `stats-${Date.now()}.csv`);
  const started = Date.now();
  const sipp = spawn('sipp', [
    `127.0.0.1:${o.pbxPort}`, '-sf', scenario, '-i', '127.0.0.1', '-p', '0', '-mp', '0',
    '-m', String(o.calls), '-r', String(o.rate), '-l', String(o.limit), '-timeout', `${Math.ceil(o.timeoutMs / 1000)}s`,
    '-nostdin', '-trace_stat', '-stf', stats, '-fd', '1',
  ], { cwd: o.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  sipp.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const code = await new Promise<number | null>((resolve) => sipp.once('exit', (c) => resolve(c)));
  const elapsedMs = Date.now() - started;
  let s: Record<string, string> = {};
  try {
    s = lastStats(stats);
  } catch {
    // No statistics file: SIPp failed before its first period; the exit code and stderr say why.
  }
  return { code, successful: Number(s['SuccessfulCall(C)'] ?? 0), failed: Number(s['FailedCall(C)'] ?? 0), elapsedMs, stderr };
}
