/**
 * RFC 4475 messages that a UAS must answer in a particular way (../shared/sip-torture
 * README, "Parse, then the element must answer correctly"), sent over real UDP to a
 * SipStack. The top Via is rewritten to the test socket (branch kept, made unique) so the
 * answer reaches it; the rest of each message is byte for byte the RFC's.
 */
import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SipStack, parseMessage } from '@rvoip/sip';
import type { SipResponse } from '@rvoip/sip';

const CORPUS = join(process.cwd(), '..', 'shared', 'sip-torture', 'rfc4475');

interface Case {
  file: string;
  expect: (res: SipResponse) => void;
}

const CASES: Case[] = [
  { file: 'insuf', expect: (r) => expect(r.status).to.equal(400) },
  { file: 'unkscm', expect: (r) => expect(r.status).to.equal(416) },
  { file: 'novelsc', expect: (r) => expect(r.status).to.equal(416) },
  {
    file: 'bext01',
    expect: (r) => {
      expect(r.status).to.equal(420);
      expect(r.headers.get('unsupported')).to.equal('nothingSupportsThis, nothingSupportsThisEither');
    },
  },
  {
    file: 'invut',
    expect: (r) => {
      expect(r.status).to.equal(415);
      expect(r.headers.get('accept')).to.equal('application/sdp');
    },
  },
  { file: 'multi01', expect: (r) => expect(r.status).to.equal(400) },
  { file: 'mcl01', expect: (r) => expect(r.status).to.equal(400) },
  { file: 'zeromf', expect: (r) => expect(r.status).to.equal(200) },
  {
    file: 'sdp01',
    expect: (r) => {
      expect(r.status).to.equal(406);
      expect(r.headers.get('warning')).to.match(/^399 /);
    },
  },
];

/** Replaces the first Via header line's value, keeping its branch. */
function withTestVia(raw: Buffer, port: number, name: string): Buffer {
  const text = raw.toString('latin1');
  const m = /^(Via|v)[ \t]*:[^\r\n]*/im.exec(text);
  if (!m) return raw;
  const branch = /branch=([^;,\s]+)/i.exec(m[0])?.[1] ?? 'z9hG4bKtorture';
  // Several RFC messages share a branch; from one sent-by they would match one
  // transaction (17.2.3), so each gets its file name appended.
  const line = `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=${branch}.${name};rport`;
  return Buffer.from(text.slice(0, m.index) + line + text.slice(m.index + m[0].length), 'latin1');
}

describe('sip/ua answers to the RFC 4475 "element must answer" messages', function () {
  let stack: SipStack;
  let socket: Socket;
  const answers = new Map<string, SipResponse>();

  before(async function () {
    if (!existsSync(CORPUS)) {
      console.warn(`      skipped: RFC 4475 corpus not found at ${CORPUS}`);
      this.skip();
    }
    stack = await SipStack.create({ listen: ['udp://127.0.0.1:0'] });
    stack.onInvite((invite) => invite.reject(486));
    socket = createSocket('udp4');
    socket.on('message', (data) => {
      const res = parseMessage(data);
      // Keyed by the first Call-ID line: a 400 to multi01 echoes both of its Call-IDs.
      if (!res.isRequest) answers.set(res.headers.get('call-id') ?? '', res);
    });
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  });

  after(async () => {
    socket?.close();
    await stack?.close();
  });

  for (const c of CASES) {
    it(`${c.file}`, async () => {
      const raw = withTestVia(readFileSync(join(CORPUS, `${c.file}.dat`)), socket.address().port, c.file);
      const { port } = stack.listeningPoints()[0]!;
      const callIdMatch = /^(Call-ID|i)[ \t]*:[ \t]*([^\r\n]+)/im.exec(raw.toString('latin1'));
      const key = callIdMatch?.[2]?.trim() ?? '';
      socket.send(raw, port, '127.0.0.1');
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && ![...answers.keys()].some((k) => k === key || (key === '' && answers.size > 0))) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const res = key === '' ? [...answers.values()].find((r) => r.status >= 400) : answers.get(key);
      expect(res, `no answer to ${c.file}`).to.not.equal(undefined);
      c.expect(res!);
      answers.clear();
    });
  }
});
