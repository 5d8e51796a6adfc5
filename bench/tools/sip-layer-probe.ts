/**
 * One process, one layer of the SIP stack answering OPTIONS from a paced UDP client in the
 * same process, so a layer's CPU per transaction, split by thread, and its GC work can be
 * read without SIPp or a second process competing for the 2 cores. Run by
 * bench/sip-layers.bench.ts, one fresh process per layer:
 *   node --trace-gc-nvp ... sip-layer-probe.ts <layer> <requests>
 * Layers, each adding one to the one before:
 *   floor      a bare dgram socket answering a fixed datagram (the yardstick)
 *   parse      + parseMessage and the fields a UAS reads, fixed answer
 *   respond    + createResponse/serializeMessage (8.2.6) for a real answer
 *   transport  + TransportLayer (framing, Via received/rport, inbound queue, 18.2.2 routing)
 *   txlayer    + TransactionLayer (17.2.2 server transactions, Timer J)
 *   stack      + SipStack's UAS core answering OPTIONS itself
 * Prints one JSON line (prefix "RESULT ") with CPU per request by thread (/proc/self/task)
 * over the load window only, which "WINDOW START"/"WINDOW END" lines also bracket on stdout
 * so the bench sums only the window's V8 --trace-gc-nvp lines.
 */
import dgram from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { SipStack, TransactionLayer, TransportLayer, createResponse, parseMessage, serializeMessage } from '@rvoip/sip';
import type { SipRequest } from '@rvoip/sip';

type Layer = 'floor' | 'parse' | 'respond' | 'transport' | 'txlayer' | 'stack';
const LAYERS: readonly Layer[] = ['floor', 'parse', 'respond', 'transport', 'txlayer', 'stack'];

const layer = process.argv[2] as Layer;
const total = Number(process.argv[3] ?? 20_000);
if (!LAYERS.includes(layer)) throw new Error(`sip-layer-probe: layer must be one of ${LAYERS.join(', ')}, got ${process.argv[2]}`);
if (!Number.isInteger(total) || total <= 0) throw new Error(`sip-layer-probe: request count must be a positive integer, got ${process.argv[3]}`);

/** Requests answered before the measured window opens. */
const WARMUP = 6_000;
const FIXED = Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n');

async function bareSocket(answer: (m: Buffer) => Buffer): Promise<number> {
  const s = dgram.createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  s.on('message', (m, r) => s.send(answer(m), r.port, r.address));
  return s.address().port;
}

function readFields(m: Buffer): SipRequest {
  const req = parseMessage(m) as SipRequest;
  void req.topVia;
  void req.from;
  void req.to;
  void req.cseq;
  void req.callId;
  return req;
}

async function server(): Promise<number> {
  switch (layer) {
    case 'floor':
      return bareSocket(() => FIXED);
    case 'parse':
      return bareSocket((m) => (readFields(m), FIXED));
    case 'respond':
      return bareSocket((m) => serializeMessage(createResponse(readFields(m), 200, 'OK', { toTag: 'probe' })));
    case 'transport':
    case 'txlayer': {
      const t = new TransportLayer({});
      if (layer === 'transport') {
        t.onMessage((msg, source) => t.dispatchResponse(createResponse(msg as SipRequest, 200, 'OK', { toTag: 'probe' }), source, () => undefined));
      } else {
        new TransactionLayer({ transport: t }).onRequest((tx) => tx.respond(tx.createResponse(200)));
      }
      await t.listen(['udp://127.0.0.1:0']);
      return t.listeningPoints()[0]!.port;
    }
    case 'stack': {
      const stack = await SipStack.create({ listen: ['udp://127.0.0.1:0'], domain: 'example.com' });
      return stack.listeningPoints()[0]!.port;
    }
  }
}

function threadCpuMs(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
    const name = readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim();
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime) in clock ticks of 10 ms.
    out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) * 10;
  }
  return out;
}

const port = await server();
const client = dgram.createSocket('udp4');
client.bind(0, '127.0.0.1');
await new Promise((r) => client.once('listening', r));
const cport = client.address().port;
let answered = 0;
client.on('message', () => answered++);

// 2,000 requests per second in bursts of 20 every 10 ms: a steady load well below saturation,
// so every layer does the same work per request and the figures compare.
let sent = 0;
function load(count: number): Promise<void> {
  const until = sent + count;
  return new Promise<void>((done) => {
    const burst = (): void => {
      for (let k = 0; k < 20 && sent < until; k++, sent++) {
        client.send(
          `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${cport};branch=z9hG4bK-probe-${sent}\r\n` +
            `From: <sip:probe@example.com>;tag=p${sent}\r\nTo: <sip:127.0.0.1:${port}>\r\nCall-ID: ${sent}-probe@127.0.0.1\r\n` +
            'CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
          port,
          '127.0.0.1',
        );
      }
      if (sent < until) setTimeout(burst, 10);
      else setTimeout(done, 300);
    };
    burst();
  });
}

// Warm-up outside the window: the JIT compiles the hot paths on V8's worker threads during
// the first seconds, which would otherwise be charged to every request of a short window.
await load(WARMUP);
answered = 0;
// Markers on stdout (a pipe: synchronous on Linux) bracket the GC trace lines of the window.
process.stdout.write('WINDOW START\n');
const before = threadCpuMs();
const started = performance.now();
await load(total);
const after = threadCpuMs();
process.stdout.write('WINDOW END\n');
const usPerRequest: Record<string, number> = {};
for (const [name, ms] of Object.entries(after)) {
  const d = ms - (before[name] ?? 0);
  if (d > 0) usPerRequest[name] = Math.round((d * 1000) / total * 10) / 10;
}
process.stdout.write(`RESULT ${JSON.stringify({ layer, sent: total, answered, wallMs: Math.round(performance.now() - started), usPerRequest })}\n`);
process.exit(0);
