/**
 * Parse + validate cost of one message kind, for comparing two checkouts of the tree:
 *   node --expose-gc --trace-gc-nvp --import tsx --conditions=rvoip-source \
 *     bench/tools/parse-probe.ts <tree root> <kind> <iterations>
 * The message modules are imported from <tree root> (so one probe file measures a base
 * worktree and the working tree alike). Each iteration parses one datagram with
 * validate: true, stamps received/rport as the transport does for a request, and reads
 * what the transaction layer and registrar read afterwards. Prints "WINDOW START" and
 * "WINDOW END" around the measured loop (forced GCs at both ends, so the summed
 * --trace-gc-nvp `allocated=` of the lines between them is the loop's allocation) and one
 * "RESULT {json}" line with wall ns/op (process.hrtime) and process CPU ns/op
 * (process.cpuUsage: GC helper threads included, time others took the core excluded).
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { ReceivedInfo, SipMessage } from '@rvoip/sip';

export const KINDS = ['register', 'register-auth', 'invite', 'options', 'response'] as const;
export type Kind = (typeof KINDS)[number];

const SDP =
  'v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n' +
  'm=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n' +
  'a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\n';

function crlf(lines: string[], body = ''): Buffer {
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n' + body, 'latin1');
}

/** The datagrams of bench/sipp/register-digest.xml as SIPp fills them, a UAC INVITE, an OPTIONS and a 200 to REGISTER. */
export const MESSAGES: Record<Kind, Buffer> = {
  register: crlf([
    'REGISTER sip:127.0.0.1:25060 SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:25070;branch=z9hG4bK-4721-1-0',
    'From: <sip:user1@example.com>;tag=1',
    'To: <sip:user1@example.com>',
    'Call-ID: 1-4721@127.0.0.1',
    'CSeq: 1 REGISTER',
    'Contact: <sip:user1@127.0.0.1:25070>',
    'Max-Forwards: 70',
    'Expires: 600',
    'Content-Length: 0',
  ]),
  'register-auth': crlf([
    'REGISTER sip:127.0.0.1:25060 SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:25070;branch=z9hG4bK-4721-1-2',
    'From: <sip:user1@example.com>;tag=1',
    'To: <sip:user1@example.com>',
    'Call-ID: 1-4721@127.0.0.1',
    'CSeq: 2 REGISTER',
    'Contact: <sip:user1@127.0.0.1:25070>',
    'Authorization: Digest username="user1",realm="example.com",uri="sip:127.0.0.1:25060",' +
      'nonce="7b8f2c9a0e4d4c1fa3b5e6d7c8b9a0f1",response="3f1a2b4c5d6e7f8091a2b3c4d5e6f708",algorithm=MD5',
    'Max-Forwards: 70',
    'Expires: 600',
    'Content-Length: 0',
  ]),
  invite: crlf(
    [
      'INVITE sip:bob@192.0.2.20:5060 SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds8;rport',
      'Max-Forwards: 70',
      'To: "Bob" <sip:bob@example.com>',
      'From: "Alice" <sip:alice@example.com>;tag=1928301774',
      'Call-ID: a84b4c76e66710@pc33.example.com',
      'CSeq: 314159 INVITE',
      'Contact: <sip:alice@192.0.2.10:5060;transport=udp>',
      'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK',
      'Supported: 100rel, timer',
      'User-Agent: rvoip-probe',
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(SDP)}`,
    ],
    SDP,
  ),
  options: crlf([
    'OPTIONS sip:127.0.0.1:25060 SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:25070;branch=z9hG4bK-opt-17;rport',
    'Max-Forwards: 70',
    'From: <sip:probe@example.com>;tag=abc123',
    'To: <sip:127.0.0.1:25060>',
    'Call-ID: opt-17@127.0.0.1',
    'CSeq: 17 OPTIONS',
    'Accept: application/sdp',
    'Content-Length: 0',
  ]),
  response: crlf([
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/UDP 127.0.0.1:25060;branch=z9hG4bK3f9a1c2e7d4b5a60;rport=25060;received=127.0.0.1',
    'From: <sip:user1@example.com>;tag=8d2f1a',
    'To: <sip:user1@example.com>;tag=as5c3f9e1b',
    'Call-ID: 1-4721@127.0.0.1',
    'CSeq: 2 REGISTER',
    'Contact: <sip:user1@127.0.0.1:25070>;expires=600',
    'Server: rvoip',
    'Content-Length: 0',
  ]),
};

interface Modules {
  parseMessage(buf: Buffer, opts?: { validate?: boolean }): SipMessage;
  stampReceivedVia(msg: SipMessage, source: ReceivedInfo): boolean;
}

async function load(root: string): Promise<Modules> {
  const parser = (await import(pathToFileURL(join(root, 'core/sip/src/message/parser.ts')).href)) as Pick<Modules, 'parseMessage'>;
  const policy = (await import(pathToFileURL(join(root, 'core/sip/src/transport/via-policy.ts')).href)) as Pick<Modules, 'stampReceivedVia'>;
  return { parseMessage: parser.parseMessage, stampReceivedVia: policy.stampReceivedVia };
}

const SOURCE: ReceivedInfo = { protocol: 'udp', remoteAddress: '127.0.0.1', remotePort: 25070, localAddress: '127.0.0.1', localPort: 25060 };

/** Folded into a number so the JIT cannot drop the reads. */
let sink = 0;

function once(m: Modules, buf: Buffer): void {
  const msg = m.parseMessage(buf, { validate: true });
  if (msg.isRequest) m.stampReceivedVia(msg, SOURCE);
  const via = msg.topVia!;
  sink += via.branch!.length + (via.rport ?? 0) + (via.port ?? 0);
  sink += (msg.from.tag ?? '').length + msg.callId.length + msg.cseq.seq;
  if (msg.isRequest) sink += (msg.to.tag === undefined ? 1 : 0) + msg.method.length;
  else sink += (msg.to.tag ?? '').length + msg.status;
  const contacts = msg.contacts;
  for (const c of contacts) sink += (c.uri.toString().length & 1) + (c.params.size & 1);
  sink += msg.expires ?? 0;
}

async function main(): Promise<void> {
  const [root, kindArg, nArg] = process.argv.slice(2);
  const kind = kindArg as Kind;
  const n = Number(nArg ?? 200_000);
  if (root === undefined || !KINDS.includes(kind)) throw new Error(`parse-probe: usage <root> <${KINDS.join('|')}> [n]`);
  const m = await load(root);
  const buf = MESSAGES[kind];
  for (let i = 0; i < 20_000; i++) once(m, buf);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('parse-probe: run with --expose-gc');
  gc();
  console.log('WINDOW START');
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) once(m, buf);
  const t1 = process.hrtime.bigint();
  const cpu = process.cpuUsage(c0);
  gc();
  console.log('WINDOW END');
  console.log('RESULT ' + JSON.stringify({ kind, n, nsPerOp: Number(t1 - t0) / n, cpuNsPerOp: ((cpu.user + cpu.system) * 1000) / n, sink: sink & 1 }));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
