/**
 * Property-based fuzzing of the parser: mutations of the RFC 4475 corpus (byte flips,
 * truncations, splices, duplicated header lines, inserted separators) must parse or fail
 * with a SipParseError, and whatever parses must round-trip (fuzz-target.ts).
 */
import fc from 'fast-check';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fuzzParse, fuzzStream } from '../../src/message/fuzz-target.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const DIR = resolve(ROOT, '../shared/sip-torture/rfc4475');

const BUILT_IN = [
  'INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa;rport\r\nMax-Forwards: 70\r\n' +
    'From: "A" <sip:a@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: f@h\r\nCSeq: 1 INVITE\r\n' +
    'Contact: <sip:a@192.0.2.1:5060;transport=udp>;expires=60\r\nAuthorization: Digest username="a", nonce="n", qop=auth\r\n' +
    'Content-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n',
  'SIP/2.0 200 OK\r\nv: SIP/2.0/TCP h;branch=z9hG4bKb;received=192.0.2.9\r\nf: <sip:a@h>;tag=1\r\nt: <sip:b@h>;tag=2\r\n' +
    'i: r@h\r\nCSeq: 2 BYE\r\nRetry-After: 5 (x);duration=9\r\nReason: SIP;cause=200;text="ok"\r\nl: 0\r\n\r\n',
];

function corpus(): Buffer[] {
  const seeds = BUILT_IN.map((s) => Buffer.from(s));
  if (existsSync(DIR)) for (const f of readdirSync(DIR).sort()) seeds.push(readFileSync(resolve(DIR, f)));
  return seeds;
}

const SEEDS = corpus();
const TOKENS = [':', ';', ',', '<', '>', '"', '\\', '%', '%00', '\r\n', '\r\n ', ' ', '\t', '=', '@', '[', ']', '?', '\u00ff', '\u00e9', '\0'];

type Op =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; at: number; from: number; start: number; length: number }
  | { kind: 'dupLine'; line: number }
  | { kind: 'insert'; at: number; token: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), from: fc.nat(), start: fc.nat(), length: fc.integer({ min: 1, max: 80 }) }),
  fc.record({ kind: fc.constant('dupLine' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), token: fc.nat({ max: TOKENS.length - 1 }) }),
);

function apply(buf: Buffer, op: Op): Buffer {
  const n = buf.length;
  switch (op.kind) {
    case 'flip': {
      if (n === 0) return buf;
      const out = Buffer.from(buf);
      out[op.at % n] = op.value;
      return out;
    }
    case 'truncate':
      return buf.subarray(0, n === 0 ? 0 : op.at % n);
    case 'splice': {
      const src = SEEDS[op.from % SEEDS.length]!;
      const start = src.length === 0 ? 0 : op.start % src.length;
      const at = n === 0 ? 0 : op.at % n;
      return Buffer.concat([buf.subarray(0, at), src.subarray(start, start + op.length), buf.subarray(at)]);
    }
    case 'dupLine': {
      const lines = buf.toString('latin1').split('\r\n');
      const i = op.line % lines.length;
      lines.splice(i, 0, lines[i]!);
      return Buffer.from(lines.join('\r\n'), 'latin1');
    }
    case 'insert': {
      const at = n === 0 ? 0 : op.at % n;
      return Buffer.concat([buf.subarray(0, at), Buffer.from(TOKENS[op.token]!, 'latin1'), buf.subarray(at)]);
    }
  }
}

const inputArb = fc
  .record({ seed: fc.nat({ max: SEEDS.length - 1 }), ops: fc.array(opArb, { minLength: 1, maxLength: 6 }), cut: fc.nat() })
  .map(({ seed, ops, cut }) => ({ buf: ops.reduce(apply, SEEDS[seed]!), cut }));

describe('parser fuzzing (fast-check)', function () {
  this.timeout(60_000);

  it('every unmutated seed satisfies the fuzz contract', () => {
    for (const seed of SEEDS) {
      fuzzParse(seed);
      fuzzStream(seed, seed.length >> 1);
    }
  });

  it('mutated corpus messages parse or fail with SipParseError, and round-trip when parsed', () => {
    fc.assert(
      fc.property(inputArb, ({ buf, cut }) => {
        fuzzParse(buf);
        fuzzStream(buf, cut % (buf.length + 1));
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 4000) },
    );
  });

  it('random bytes never escape as anything but SipParseError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => fuzzParse(Buffer.from(bytes))),
      { numRuns: 2000 },
    );
  });
});
