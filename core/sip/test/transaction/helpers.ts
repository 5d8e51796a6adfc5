/**
 * Test fixtures for the transaction layer: a virtual clock (deterministic time), an
 * in-memory recording transport for state-machine unit tests, and message builders.
 * Real-socket tests use the real transports instead (see *.net.test.ts).
 */
import { SipHeaders } from '../../src/message/headers.js';
import { SipRequest, SipResponse } from '../../src/message/message.js';
import type { SipMessage } from '../../src/message/message.js';
import type {
  TimerScheduler,
  TransactionSource,
  TransactionTarget,
  TransactionTransport,
  TransportMessageHandler,
} from '../../src/transaction/index.js';
import { createResponse, generateBranch, generateTag } from '../../src/transaction/index.js';

/** A scheduler whose time only moves when the test says so; microtasks run between timers. */
export class VirtualClock implements TimerScheduler {
  now = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  setTimeout(fn: () => void, ms: number): number {
    const id = ++this.seq;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Runs every timer due within `ms`, in order, letting promise callbacks settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    await settle();
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
      await settle();
    }
    this.now = end;
  }
}

/** Lets pending promise reactions (transport sends resolving) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface SentRecord {
  at: number;
  msg: SipMessage;
  target?: TransactionTarget;
  source?: TransactionSource;
}

/** Records what the transactions send; `fail` makes the next sends reject. */
export class RecordingTransport implements TransactionTransport {
  readonly sent: SentRecord[] = [];
  fail: Error | undefined;
  private handler: TransportMessageHandler | undefined;

  constructor(
    private readonly clock: VirtualClock,
    readonly protocol = 'udp',
  ) {}

  sendRequest(req: SipRequest, target?: TransactionTarget): Promise<TransactionTarget> {
    if (this.fail) return Promise.reject(this.fail);
    const resolved = target ?? { protocol: this.protocol, host: '192.0.2.1', port: 5060 };
    this.sent.push({ at: this.clock.now, msg: req, target: resolved });
    return Promise.resolve(resolved);
  }

  sendResponse(res: SipResponse, source?: TransactionSource): Promise<void> {
    if (this.fail) return Promise.reject(this.fail);
    this.sent.push({ at: this.clock.now, msg: res, source });
    return Promise.resolve();
  }

  onMessage(handler: TransportMessageHandler): () => void {
    this.handler = handler;
    return () => (this.handler = undefined);
  }

  /** Delivers a message as if it had arrived from `source`. */
  inject(msg: SipMessage, source: TransactionSource = sourceOf(this.protocol)): void {
    this.handler?.(msg, source);
  }

  requests(method?: string): SentRecord[] {
    return this.sent.filter((r) => r.msg.isRequest && (method === undefined || (r.msg as SipRequest).method === method));
  }

  responses(status?: number): SentRecord[] {
    return this.sent.filter((r) => !r.msg.isRequest && (status === undefined || (r.msg as SipResponse).status === status));
  }
}

export function sourceOf(protocol = 'udp'): TransactionSource {
  return { protocol, remoteAddress: '192.0.2.9', remotePort: 5062, localAddress: '192.0.2.1', localPort: 5060 };
}

export interface RequestOptions {
  branch?: string;
  sentBy?: string;
  transport?: string;
  callId?: string;
  fromTag?: string;
  toTag?: string;
  cseq?: number;
  uri?: string;
  routes?: string[];
}

export function makeRequest(method: string, opts: RequestOptions = {}): SipRequest {
  const h = new SipHeaders();
  const branch = opts.branch ?? generateBranch();
  h.append('Via', `SIP/2.0/${(opts.transport ?? 'UDP').toUpperCase()} ${opts.sentBy ?? '192.0.2.9:5062'};branch=${branch}`);
  h.append('Max-Forwards', 70);
  for (const route of opts.routes ?? []) h.append('Route', route);
  h.append('From', `"Alice" <sip:alice@example.com>;tag=${opts.fromTag ?? generateTag()}`);
  h.append('To', `<sip:bob@example.com>${opts.toTag ? `;tag=${opts.toTag}` : ''}`);
  h.append('Call-ID', opts.callId ?? `${generateTag()}@example.com`);
  h.append('CSeq', `${opts.cseq ?? 1} ${method}`);
  h.append('Contact', '<sip:alice@192.0.2.9:5062>');
  h.append('Content-Length', 0);
  return new SipRequest(method, opts.uri ?? 'sip:bob@example.com', h);
}

/** A response to `req` as the far end would send it (its own To tag on non-100). */
export function respondTo(req: SipRequest, status: number, toTag = 'far-tag'): SipResponse {
  return createResponse(req, status, undefined, { toTag });
}

/** A fresh copy of a message, as a retransmission arriving off the wire would be. */
export function copyOf<T extends SipMessage>(msg: T): T {
  if (msg.isRequest) return new SipRequest(msg.method, msg.rawUri, msg.headers.clone(), msg.body) as T;
  const res = msg as SipResponse;
  return new SipResponse(res.status, res.reason, res.headers.clone(), res.body) as T;
}

export function statusOf(rec: SentRecord): number {
  return (rec.msg as SipResponse).status;
}
