/**
 * One load-generator thread of register-load.ts: owns `sockets` UDP sockets (so a server
 * spreading peers over SO_REUSEPORT workers sees several sources) and a slice of the
 * users, keeps `window` REGISTER flows in flight (REGISTER -> 401 -> REGISTER with
 * digest -> 200), and reports counts, latencies and its own CPU time. Messages are
 * written from templates and responses read with indexOf, never the full SIP parser:
 * the generator must stay cheaper than the servers it measures. The digest itself is
 * DigestClient's (computeHa1 / computeDigestResponse from @rvoip/sip).
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { computeDigestResponse, computeHa1 } from '@rvoip/sip';
import type { DigestAlgorithm } from '@rvoip/sip';
import type { LoadOptions, WorkerResult } from './register-load-types.js';

interface User {
  readonly name: string;
  readonly socket: Socket;
  readonly port: () => number;
  readonly password: string;
  readonly callId: string;
  readonly tag: string;
  cseq: number;
  busy: boolean;
  started: number;
  sentAt: number;
  retries: number;
  last: Buffer | undefined;
  ha1: Map<string, string>;
}

const opts = (workerData as { opts: LoadOptions; index: number; first: number; count: number }).opts;
const { index, first, count } = workerData as { index: number; first: number; count: number };
const sockets: Socket[] = Array.from({ length: Math.max(1, opts.sockets) }, () =>
  createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 }));
const localPorts: number[] = sockets.map(() => 0);
const users: User[] = [];
const byCallId = new Map<string, User>();
let cursor = 0;
let inFlight = 0;
let phase: 'idle' | 'warm' | 'measure' | 'drain' = 'idle';
let warmLeft = count;
let ok = 0;
let retransmits = 0;
const errors: Record<string, number> = {};
const latencies: number[] = [];
const MAX_SAMPLES = 200_000;
let cnonceSeq = 0;

for (let i = first; i < first + count; i++) {
  const name = `${opts.userPrefix}${i}`;
  const callId = `${name}-${index}-${Date.now().toString(36)}@load`;
  const k = i % sockets.length;
  const user: User = {
    name, socket: sockets[k]!, port: () => localPorts[k]!, password: `${opts.passwordPrefix}${i}`, callId, tag: `t${i.toString(36)}`,
    cseq: 0, busy: false, started: 0, sentAt: 0, retries: 0, last: undefined, ha1: new Map(),
  };
  users.push(user);
  byCallId.set(callId, user);
}

function message(u: User, authorization?: string): Buffer {
  const branch = `z9hG4bK${index}x${u.cseq.toString(36)}${u.tag}`;
  const d = opts.domain;
  const localPort = u.port();
  return Buffer.from(
    `REGISTER sip:${d} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=${branch};rport\r\n` +
    'Max-Forwards: 70\r\n' +
    `To: <sip:${u.name}@${d}>\r\n` +
    `From: <sip:${u.name}@${d}>;tag=${u.tag}\r\n` +
    `Call-ID: ${u.callId}\r\n` +
    `CSeq: ${u.cseq} REGISTER\r\n` +
    `Contact: <sip:${u.name}@127.0.0.1:${localPort}>\r\n` +
    `Expires: ${opts.expires}\r\n` +
    (authorization === undefined ? '' : `Authorization: ${authorization}\r\n`) +
    'User-Agent: rvoip-register-load\r\n' +
    'Content-Length: 0\r\n\r\n',
    'latin1',
  );
}

function send(u: User, buf: Buffer): void {
  u.last = buf;
  u.sentAt = performance.now();
  u.retries = 0;
  u.socket.send(buf);
}

function startFlow(u: User): void {
  u.busy = true;
  inFlight++;
  u.cseq++;
  u.started = performance.now();
  send(u, message(u));
}

function endFlow(u: User, outcome: string | undefined): void {
  u.busy = false;
  u.last = undefined;
  inFlight--;
  if (phase === 'warm' && outcome === undefined) {
    if (--warmLeft === 0) parentPort!.postMessage({ type: 'warm' });
  } else if (phase === 'measure') {
    if (outcome === undefined) {
      ok++;
      if (latencies.length < MAX_SAMPLES) latencies.push(performance.now() - u.started);
    } else {
      errors[outcome] = (errors[outcome] ?? 0) + 1;
    }
  }
  pump();
}

/** Keeps `window` flows in flight, cycling over the users that are not busy. */
function pump(): void {
  if (phase === 'drain' || phase === 'idle') return;
  let scanned = 0;
  while (inFlight < opts.window && scanned < users.length) {
    const u = users[cursor]!;
    cursor = (cursor + 1) % users.length;
    scanned++;
    if (!u.busy) startFlow(u);
  }
}

function header(text: string, name: string, from = 0): string | undefined {
  const at = text.indexOf(`\r\n${name}:`, from);
  if (at < 0) return undefined;
  const end = text.indexOf('\r\n', at + 2);
  return text.slice(at + name.length + 3, end).trim();
}

const PARAM = /([a-zA-Z-]+)\s*=\s*("([^"]*)"|[^\s,]+)/g;

/** Picks the challenge to answer: the first offered one whose algorithm we prefer. */
function authorize(u: User, text: string): string | undefined {
  const challenges: Array<Record<string, string>> = [];
  let at = 0;
  for (;;) {
    const i = text.indexOf('\r\nWWW-Authenticate:', at);
    if (i < 0) break;
    const end = text.indexOf('\r\n', i + 2);
    const params: Record<string, string> = {};
    for (const m of text.slice(i, end).matchAll(PARAM)) params[m[1]!.toLowerCase()] = m[3] ?? m[2]!;
    challenges.push(params);
    at = end;
  }
  const wanted = challenges.find((c) => opts.algorithm === 'first' || (c.algorithm ?? 'MD5').toUpperCase() === opts.algorithm) ?? challenges[0];
  if (wanted === undefined || wanted.nonce === undefined || wanted.realm === undefined) return undefined;
  const algorithm = (wanted.algorithm ?? 'MD5') as DigestAlgorithm;
  const key = `${algorithm} ${wanted.realm}`;
  let ha1 = u.ha1.get(key);
  if (ha1 === undefined) u.ha1.set(key, (ha1 = computeHa1(algorithm, u.name, wanted.realm, u.password)));
  const uri = `sip:${opts.domain}`;
  const qop = wanted.qop?.split(',').map((q) => q.trim()).includes('auth') ? 'auth' : undefined;
  const cnonce = `${index}c${(cnonceSeq++).toString(36)}`;
  const response = computeDigestResponse({
    algorithm, ha1, nonce: wanted.nonce, method: 'REGISTER', uri, nc: '00000001', cnonce, body: Buffer.alloc(0),
    ...(qop === undefined ? {} : { qop }),
  });
  return `Digest username="${u.name}", realm="${wanted.realm}", nonce="${wanted.nonce}", uri="${uri}", response="${response}", algorithm=${algorithm}` +
    (wanted.opaque === undefined ? '' : `, opaque="${wanted.opaque}"`) +
    (qop === undefined ? '' : `, qop=${qop}, nc=00000001, cnonce="${cnonce}"`);
}

function onMessage(buf: Buffer): void {
  const text = buf.toString('latin1');
  const status = Number(text.slice(8, 11));
  const callId = header(text, 'Call-ID') ?? header(text, 'i');
  const u = callId === undefined ? undefined : byCallId.get(callId);
  if (u === undefined || !u.busy) return;
  const cseq = parseInt(header(text, 'CSeq') ?? '', 10);
  if (cseq !== u.cseq || status < 200) return;
  if (status === 401 && u.cseq % 2 === 1) {
    const auth = authorize(u, text);
    if (auth === undefined) return endFlow(u, 'bad-challenge');
    u.cseq++;
    return send(u, message(u, auth));
  }
  if (status === 200 && u.cseq % 2 === 0) return endFlow(u, undefined);
  endFlow(u, `status-${status}`);
}

// Timer E-like retransmission (500 ms, doubling) and a 4 s transaction timeout, swept in batches.
const sweeper = setInterval(() => {
  const now = performance.now();
  for (const u of users) {
    if (!u.busy || u.last === undefined) continue;
    const age = now - u.sentAt;
    if (age > 4000) endFlow(u, 'timeout');
    else if (age > 500 * 2 ** u.retries) {
      u.retries++;
      retransmits++;
      u.socket.send(u.last);
    }
  }
}, 100);

// Users start at odd CSeq values: odd = unauthenticated attempt, even = its digest retry.
for (const u of users) u.cseq = 0;

parentPort!.on('message', (msg: { type: string }) => {
  if (msg.type === 'warm') {
    phase = 'warm';
    pump();
  } else if (msg.type === 'measure') {
    ok = 0;
    retransmits = 0;
    for (const k of Object.keys(errors)) delete errors[k];
    latencies.length = 0;
    phase = 'measure';
    const cpu = process.threadCpuUsage();
    const t0 = performance.now();
    pump();
    setTimeout(() => {
      phase = 'drain';
      const elapsedMs = performance.now() - t0;
      const used = process.threadCpuUsage(cpu);
      const result: WorkerResult = { ok, errors, retransmits, latencies, elapsedMs, cpuMs: (used.user + used.system) / 1000 };
      parentPort!.postMessage({ type: 'result', result });
    }, opts.durationMs);
  } else if (msg.type === 'close') {
    clearInterval(sweeper);
    for (const socket of sockets) socket.close();
  }
});

// Connected sockets: no per-send address lookup, and the kernel filters other peers out.
let connected = 0;
sockets.forEach((socket, k) => {
  socket.on('message', onMessage);
  socket.bind(0, '127.0.0.1', () => {
    localPorts[k] = socket.address().port;
    socket.connect(opts.port, opts.host, () => {
      if (++connected === sockets.length) parentPort!.postMessage({ type: 'ready' });
    });
  });
});
