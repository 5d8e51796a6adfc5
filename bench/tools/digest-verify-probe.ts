/**
 * CPU and allocation of DigestServer on the registrar's REGISTER+digest flow, for
 * comparing two checkouts of the tree:
 *   node --expose-gc --trace-gc-nvp --import tsx --conditions=rvoip-source \
 *     bench/tools/digest-verify-probe.ts <auth tree root> <parser tree root> <mode> [flows] [algorithm]
 * The auth modules come from <auth tree root>; the requests are parsed with the parser of
 * <parser tree root>, so two auth trees are measured on identical SipRequest objects.
 * One flow is what SIPp's register-digest.xml costs the server's digest code: verify() of
 * the REGISTER without credentials (the 401 challenge), then verify() of the REGISTER
 * answering it (qop=auth, nc=1, a nonce of its own). Modes: `flow` (both), `challenge`,
 * `verify` (the authorized REGISTER only).
 *
 * Authorized requests are prepared in batches outside the measured loop (the client's
 * work is not the server's). Replaying a batch would meet the nc replay window, so
 * between passes the tracker's slots are marked unused, outside the timed sections.
 * Prints WINDOW START / WINDOW END around the measured passes (forced GCs at both ends:
 * the summed --trace-gc-nvp `allocated=` between them is the passes' allocation) and
 * one RESULT {json} line with ns/op from process.hrtime.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { DigestAlgorithm, DigestClient, DigestServer, SipMessage, SipRequest, SipResponse } from '@rvoip/sip';

export const MODES = ['flow', 'challenge', 'verify'] as const;
export type Mode = (typeof MODES)[number];

interface Modules {
  DigestServer: typeof DigestServer;
  DigestClient: typeof DigestClient;
  parseMessage(buf: Buffer): SipMessage;
}

async function load(authRoot: string, parserRoot: string): Promise<Modules> {
  const imp = async <T>(root: string, path: string): Promise<T> => (await import(pathToFileURL(join(root, path)).href)) as T;
  const server = await imp<Pick<Modules, 'DigestServer'>>(authRoot, 'core/sip/src/auth/digest-server.ts');
  const client = await imp<Pick<Modules, 'DigestClient'>>(authRoot, 'core/sip/src/auth/digest-client.ts');
  const parser = await imp<Pick<Modules, 'parseMessage'>>(parserRoot, 'core/sip/src/message/parser.ts');
  return { DigestServer: server.DigestServer, DigestClient: client.DigestClient, parseMessage: parser.parseMessage };
}

/** The two REGISTERs of bench/sipp/register-digest.xml as SIPp fills them. */
function registerText(cseq: number, auth: string | undefined): Buffer {
  const lines = [
    'REGISTER sip:127.0.0.1:25060 SIP/2.0',
    `Via: SIP/2.0/UDP 127.0.0.1:25070;branch=z9hG4bK-4721-1-${cseq}`,
    'From: <sip:u0@example.com>;tag=1',
    'To: <sip:u0@example.com>',
    'Call-ID: 1-4721@127.0.0.1',
    `CSeq: ${cseq} REGISTER`,
    'Contact: <sip:u0@127.0.0.1:25070>',
    ...(auth === undefined ? [] : [`Authorization: ${auth}`]),
    'Max-Forwards: 70',
    'Expires: 600',
    'Content-Length: 0',
  ];
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
}

function challengeText(headers: ReadonlyArray<{ name: string; value: string }>): Buffer {
  const lines = [
    'SIP/2.0 401 Unauthorized',
    'Via: SIP/2.0/UDP 127.0.0.1:25070;branch=z9hG4bK-4721-1-1',
    'From: <sip:u0@example.com>;tag=1',
    'To: <sip:u0@example.com>;tag=srv',
    'Call-ID: 1-4721@127.0.0.1',
    'CSeq: 1 REGISTER',
    ...headers.map((h) => `${h.name}: ${h.value}`),
    'Content-Length: 0',
  ];
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
}

interface Probe {
  server: DigestServer;
  first: SipRequest;
  /** Fills `out` with fresh authorized REGISTERs, each on its own nonce with nc=1. */
  prepare(out: SipRequest[]): void;
  /** Forgets every nc seen, so a prepared batch verifies again as fresh. */
  forgetCounts(): void;
}

function setup(m: Modules, algorithm: DigestAlgorithm): Probe {
  const server = new m.DigestServer({
    realm: 'example.com',
    secret: 'probe-secret',
    algorithms: [algorithm],
    lookup: async (u) => (u === 'u0' ? 'pw0' : undefined),
    maxTrackedNonces: 200_000,
  });
  const first = m.parseMessage(registerText(1, undefined)) as SipRequest;
  const counts = (server as unknown as { counts: { used: Uint8Array; tracked: number } }).counts;
  return {
    server,
    first,
    prepare(out) {
      for (let k = 0; k < out.length; k++) {
        const challenge = server.challenge();
        const client = new m.DigestClient({ username: 'u0', password: 'pw0' });
        const res = m.parseMessage(challengeText(challenge.headers)) as SipResponse;
        const [line] = client.authorize(first, res);
        out[k] = m.parseMessage(registerText(2, line!.value)) as SipRequest;
      }
    },
    forgetCounts() {
      counts.used.fill(0);
      counts.tracked = 0;
    },
  };
}

/** Folded into a number so the JIT cannot drop the verdicts. */
let sink = 0;

async function pass(p: Probe, mode: Mode, batch: readonly SipRequest[]): Promise<void> {
  for (let k = 0; k < batch.length; k++) {
    if (mode !== 'verify') {
      const c = await p.server.verify(p.first);
      if (c.kind !== 'challenge') throw new Error(`probe: expected a challenge, got ${c.kind}`);
      sink += c.headers.length;
    }
    if (mode !== 'challenge') {
      const v = await p.server.verify(batch[k]!);
      if (v.kind !== 'ok') throw new Error(`probe: expected ok, got ${JSON.stringify(v)}`);
      sink += v.username.length;
    }
  }
}

async function main(): Promise<void> {
  const [authRoot, parserRoot, modeArg, nArg, algArg] = process.argv.slice(2);
  const mode = modeArg as Mode;
  if (authRoot === undefined || parserRoot === undefined || !MODES.includes(mode)) {
    throw new Error(`digest-verify-probe: usage <auth root> <parser root> <${MODES.join('|')}> [flows] [algorithm]`);
  }
  const n = Number(nArg ?? 200_000);
  const m = await load(authRoot, parserRoot);
  const p = setup(m, (algArg ?? 'MD5') as DigestAlgorithm);
  const batch: SipRequest[] = new Array<SipRequest>(Math.min(n, 10_000));
  p.prepare(batch);
  for (let w = 0; w < 3; w++) {
    p.forgetCounts();
    await pass(p, mode, batch);
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('digest-verify-probe: run with --expose-gc');
  gc();
  console.log('WINDOW START');
  let ns = 0n;
  let done = 0;
  while (done < n) {
    p.forgetCounts();
    const t0 = process.hrtime.bigint();
    await pass(p, mode, batch);
    ns += process.hrtime.bigint() - t0;
    done += batch.length;
  }
  gc();
  console.log('WINDOW END');
  console.log('RESULT ' + JSON.stringify({ mode, n: done, nsPerOp: Number(ns) / done, sink: sink & 1 }));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
