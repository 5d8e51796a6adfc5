/**
 * Test rig: a registrar on a real SipStack (UDP, 127.0.0.1, ephemeral port) over the
 * kernel's in-memory StorageAdapter, and a raw UDP client that sends hand-written
 * REGISTERs (torture messages included) and returns the parsed final response.
 */
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import type { StorageAdapter } from '@rvoip/contracts';
import { MemoryStorageAdapter } from '@rvoip/kernel';
import { DigestServer, SipStack, parseMessage } from '@rvoip/sip';
import type { DigestAlgorithm, SipResponse } from '@rvoip/sip';
import { DefaultRegistryService, UserDirectory, attachRegistrar } from '@rvoip/session';
import type { RegisterOutcome, RegistryServiceOptions } from '@rvoip/session';

export const DOMAIN = 'example.com';

export interface RigOptions extends RegistryServiceOptions {
  readonly digest?: boolean;
  readonly users?: ReadonlyArray<{ username: string; password: string }>;
  readonly storage?: StorageAdapter;
  readonly checkUri?: boolean;
  readonly nonceTtlMs?: number;
  readonly algorithms?: DigestAlgorithm[];
}

export interface Rig {
  readonly stack: SipStack;
  readonly registry: DefaultRegistryService;
  readonly storage: StorageAdapter;
  readonly port: number;
  readonly outcomes: RegisterOutcome[];
  close(): Promise<void>;
}

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const storage = opts.storage ?? new MemoryStorageAdapter();
  await storage.open();
  const stack = await SipStack.create({ listen: ['udp://127.0.0.1:0'], domain: DOMAIN, timers: { T1: 50, T2: 400, T4: 500 } });
  const registry = new DefaultRegistryService(storage.bindings, opts);
  const users = opts.users === undefined ? undefined : new UserDirectory(opts.users, DOMAIN, storage.users);
  const auth = opts.digest !== true ? undefined : new DigestServer({
    realm: DOMAIN,
    secret: randomBytes(16),
    lookup: async (u) => users?.secret(u),
    ...(opts.checkUri === undefined ? {} : { checkUri: opts.checkUri }),
    ...(opts.nonceTtlMs === undefined ? {} : { nonceTtlMs: opts.nonceTtlMs }),
    ...(opts.algorithms === undefined ? {} : { algorithms: opts.algorithms }),
  });
  const outcomes: RegisterOutcome[] = [];
  attachRegistrar(stack, {
    registry, domains: [DOMAIN], onResponded: (o) => outcomes.push(o),
    ...(auth ? { auth } : {}), ...(users ? { users } : {}),
  });
  registry.start();
  return {
    stack, registry, storage, outcomes,
    port: stack.listeningPoints()[0]!.port,
    close: async () => {
      await registry.stop();
      await stack.close();
      await storage.close();
    },
  };
}

export interface RegisterSpec {
  readonly user?: string;
  /** Full To value; overrides user. */
  readonly to?: string;
  readonly callId?: string;
  readonly cseq?: number;
  /** Contact header lines, written as given. */
  readonly contacts?: readonly string[];
  readonly expires?: number;
  readonly headers?: ReadonlyArray<string>;
  readonly uri?: string;
}

/** A raw UDP UAC: writes messages, returns the first final response to each. */
export class RawClient {
  private readonly socket: Socket;
  private waiting = new Map<string, (res: SipResponse) => void>();

  private constructor(socket: Socket, private readonly target: number) {
    this.socket = socket;
    socket.on('message', (buf) => {
      const res = parseMessage(buf) as SipResponse;
      if (res.status < 200) return;
      const key = `${res.callId} ${res.cseq.seq}`;
      this.waiting.get(key)?.(res);
      this.waiting.delete(key);
    });
  }

  static async open(target: number): Promise<RawClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    return new RawClient(socket, target);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Rewrites the Via to this socket (so torture messages get their answer here) and sends. */
  send(text: string): Promise<SipResponse> {
    const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
    let msg = text.replace(/\r?\n/g, '\r\n').replace(/^Via:.*$/im, `Via: SIP/2.0/UDP 127.0.0.1:${this.port};branch=${branch};rport`);
    if (!/\r\n\r\n/.test(msg)) msg += '\r\n';
    const callId = /^(?:Call-ID|i):\s*(.*)$/im.exec(msg)![1]!.trim();
    const cseq = Number(/^CSeq:\s*(\d+)/im.exec(msg)![1]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no final response to ${callId} ${cseq}`)), 5000);
      this.waiting.set(`${callId} ${cseq}`, (res) => {
        clearTimeout(timer);
        resolve(res);
      });
      this.socket.send(Buffer.from(msg), this.target, '127.0.0.1');
    });
  }

  register(spec: RegisterSpec = {}): Promise<SipResponse> {
    return this.send(registerText(spec));
  }

  close(): void {
    this.socket.close();
  }
}

export function registerText(spec: RegisterSpec): string {
  const user = spec.user ?? 'alice';
  const to = spec.to ?? `<sip:${user}@${DOMAIN}>`;
  const lines = [
    `REGISTER ${spec.uri ?? `sip:${DOMAIN}`} SIP/2.0`,
    'Via: SIP/2.0/UDP placeholder',
    'Max-Forwards: 70',
    `To: ${to}`,
    `From: ${to};tag=${randomBytes(4).toString('hex')}`,
    `Call-ID: ${spec.callId ?? randomBytes(8).toString('hex')}`,
    `CSeq: ${spec.cseq ?? 1} REGISTER`,
    ...(spec.contacts ?? [`<sip:${user}@192.0.2.10:5060>`]).map((c) => `Contact: ${c}`),
    ...(spec.expires === undefined ? [] : [`Expires: ${spec.expires}`]),
    ...(spec.headers ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  return lines.join('\r\n');
}

/** Contact header values of a response, as strings. */
export function contactLines(res: SipResponse): string[] {
  return res.contacts.map((c) => c.toString());
}

const TORTURE = resolve(import.meta.dirname, '../../../../../shared/sip-torture/rfc4475');

/** An RFC 4475 torture message from the shared corpus (CI provides it). */
export function torture(name: string): string {
  const file = resolve(TORTURE, `${name}.dat`);
  if (!existsSync(file)) throw new Error(`RFC 4475 corpus file missing: ${file}`);
  return readFileSync(file, 'latin1');
}
