import { parseMessage } from '../../src/message/parser.js';
import { serializeMessage } from '../../src/message/serializer.js';
import { SipRequest, SipResponse } from '../../src/message/message.js';
import type { SipMessage } from '../../src/message/message.js';
import type { TimerHandle, TimerScheduler } from '../../src/transaction/timers.js';
import type { DialogWire } from '../../src/dialog/wire.js';

function parse(lines: string[]): SipMessage {
  return parseMessage(Buffer.from(lines.join('\r\n') + '\r\n\r\n'));
}

export function req(lines: string[]): SipRequest {
  const m = parse(lines);
  if (!(m instanceof SipRequest)) throw new Error('expected a request');
  return m;
}

export function res(lines: string[]): SipResponse {
  const m = parse(lines);
  if (!(m instanceof SipResponse)) throw new Error('expected a response');
  return m;
}

/** Puts a message through the wire format and back, as the peer would receive it. */
export function reparse<T extends SipMessage>(msg: T): T {
  return parseMessage(serializeMessage(msg)) as T;
}

export const CALL_ID = 'a84b4c76e66710@pc33.atlanta.example.com';

/** Alice's INVITE as Bob (the UAS) receives it after two record-routing proxies. */
export function inviteAtUas(opts: { cseq?: number; recordRoute?: string[]; contact?: string } = {}): SipRequest {
  return req([
    'INVITE sip:bob@192.0.2.4 SIP/2.0',
    'Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bK-p2',
    'Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bK-p1',
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK-uac',
    'Max-Forwards: 68',
    ...(opts.recordRoute ?? ['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']).map((r) => `Record-Route: ${r}`),
    'To: Bob <sip:bob@biloxi.example.com>',
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    `Call-ID: ${CALL_ID}`,
    `CSeq: ${opts.cseq ?? 314159} INVITE`,
    `Contact: ${opts.contact ?? '<sip:alice@pc33.atlanta.example.com>'}`,
    'Content-Length: 0',
  ]);
}

/** Alice's INVITE as she (the UAC) sent it. */
export function inviteAtUac(cseq = 314159): SipRequest {
  return req([
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK-uac',
    'Max-Forwards: 70',
    'To: Bob <sip:bob@biloxi.example.com>',
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    `Call-ID: ${CALL_ID}`,
    `CSeq: ${cseq} INVITE`,
    'Contact: <sip:alice@pc33.atlanta.example.com>',
    'Content-Length: 0',
  ]);
}

/** A response to Alice's INVITE as she receives it (Record-Route as the proxies left it). */
export function responseAtUac(
  status: number,
  toTag: string,
  opts: { cseq?: number; method?: string; contact?: string | null; recordRoute?: string[] } = {},
): SipResponse {
  const reason = status === 180 ? 'Ringing' : status === 200 ? 'OK' : status === 183 ? 'Session Progress' : 'Busy Here';
  const contact = opts.contact === undefined ? `<sip:bob@192.0.2.4>` : opts.contact;
  return res([
    `SIP/2.0 ${status} ${reason}`,
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK-uac',
    ...(opts.recordRoute ?? ['<sip:p2.example.com;lr>', '<sip:p1.example.com;lr>']).map((r) => `Record-Route: ${r}`),
    `To: Bob <sip:bob@biloxi.example.com>${toTag === '' ? '' : `;tag=${toTag}`}`,
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    `Call-ID: ${CALL_ID}`,
    `CSeq: ${opts.cseq ?? 314159} ${opts.method ?? 'INVITE'}`,
    ...(contact === null ? [] : [`Contact: ${contact}`]),
    'Content-Length: 0',
  ]);
}

/** A request from Alice inside the dialog, as Bob receives it. */
export function inDialogAtUas(method: string, cseq: number, opts: { toTag?: string; contact?: string } = {}): SipRequest {
  return req([
    `${method} sip:bob@192.0.2.4 SIP/2.0`,
    'Via: SIP/2.0/UDP p2.example.com;branch=z9hG4bK-p2-' + method + cseq,
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK-uac-' + method + cseq,
    'Max-Forwards: 69',
    `To: Bob <sip:bob@biloxi.example.com>;tag=${opts.toTag ?? 'bobtag'}`,
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    `Call-ID: ${CALL_ID}`,
    `CSeq: ${cseq} ${method}`,
    ...(opts.contact === undefined ? [] : [`Contact: ${opts.contact}`]),
    'Content-Length: 0',
  ]);
}

/** Bob's response (with his tag and Contact) to a request he received, built from text. */
export function uasResponse(request: SipRequest, status: number, toTag = 'bobtag'): SipResponse {
  const lines = [`SIP/2.0 ${status} ${status === 200 ? 'OK' : status === 180 ? 'Ringing' : 'Busy Here'}`];
  for (const via of request.headers.getAll('via')) lines.push(`Via: ${via}`);
  for (const rr of request.headers.getAll('record-route')) lines.push(`Record-Route: ${rr}`);
  lines.push(
    `To: ${request.headers.get('to')!};tag=${toTag}`,
    `From: ${request.headers.get('from')!}`,
    `Call-ID: ${request.callId}`,
    `CSeq: ${request.headers.get('cseq')!}`,
    'Contact: <sip:bob@192.0.2.4>',
    'Content-Length: 0',
  );
  return res(lines);
}

/** A virtual clock: timers fire only when the test advances time. */
export class FakeScheduler implements TimerScheduler {
  now = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Runs every timer due within `ms`, in time order, timers set meanwhile included. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry;
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = end;
  }
}

/** Records what the dialog layer hands to the transport, stamped with virtual time. */
export class RecordingWire implements DialogWire {
  readonly requests: Array<{ at: number; req: SipRequest }> = [];
  readonly responses: Array<{ at: number; res: SipResponse }> = [];

  constructor(private readonly clock: { now: number } = { now: 0 }) {}

  async sendRequest(r: SipRequest): Promise<unknown> {
    this.requests.push({ at: this.clock.now, req: r });
    return undefined;
  }

  async sendResponse(r: SipResponse): Promise<unknown> {
    this.responses.push({ at: this.clock.now, res: r });
    return undefined;
  }
}
