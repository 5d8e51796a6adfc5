/**
 * Everything that happens to received bytes before the application sees a message:
 * parse, answer what cannot be parsed (400/413/505), stamp received/rport, learn Via
 * aliases, drop responses that are not ours, and shed new requests under overload.
 */
import type { Logger } from '@rvoip/contracts';
import { SipParseError } from '../message/errors.js';
import type { SipMessage, SipRequest } from '../message/message.js';
import { parseMessage } from '../message/parser.js';
import type { ParseOptions } from '../message/parser.js';
import { validateMessage } from '../message/validate.js';
import { serializeMessage } from '../message/serializer.js';
import { headerKey } from '../message/headers.js';
import type { ConnectionTable } from './connection-table.js';
import { InboundQueue } from './inbound-queue.js';
import type { InboundQueueOptions } from './inbound-queue.js';
import { readRawRequestHead, responseFromHead } from './raw-answer.js';
import type { RawRequestHead } from './raw-answer.js';
import type { SipTransport, TransportSink } from './transport.js';
import type { ListeningPoint, ReceivedInfo } from './types.js';
import { bareHost, isReliable } from './types.js';
import { stampReceivedVia, viaMatchesUs } from './via-policy.js';

export type MessageHandler = (msg: SipMessage, source: ReceivedInfo) => void | Promise<void>;

export interface InboundCounters {
  received: number;
  /** Requests refused by the parser (answered when they had enough to answer). */
  badRequests: number;
  /** Error responses (400/413/505) the transport layer sent itself. */
  errorResponsesSent: number;
  /** Responses that failed to parse; always dropped. */
  badResponsesDropped: number;
  /** Responses whose top Via is not ours (RFC 3261 18.1.2). */
  foreignResponsesDropped: number;
  /** Requests refused with 503 because the inbound queue was full. */
  shed: number;
  framingErrors: number;
}

export interface InboundOptions extends InboundQueueOptions {
  /** Retry-After seconds in overload 503s. Default 5. */
  retryAfterSeconds?: number;
  maxMessageSize?: number;
}

interface Queued {
  msg: SipMessage;
  info: ReceivedInfo;
}

export class InboundProcessor {
  readonly counters: InboundCounters = {
    received: 0,
    badRequests: 0,
    errorResponsesSent: 0,
    badResponsesDropped: 0,
    foreignResponsesDropped: 0,
    shed: 0,
    framingErrors: 0,
  };
  private readonly queues = new Map<SipTransport, InboundQueue<Queued>>();
  private handler: MessageHandler | undefined;
  /** The same options for every datagram: no object per packet. */
  private readonly parseOptions: ParseOptions;

  constructor(
    private readonly table: ConnectionTable,
    private readonly points: () => ListeningPoint[],
    private readonly logger: Logger,
    private readonly opts: InboundOptions = {},
  ) {
    this.parseOptions = Object.freeze({ validate: true, maxSize: opts.maxMessageSize });
  }

  onMessage(handler: MessageHandler): void {
    this.handler = handler;
  }

  /** The sink one transport reports to; each transport gets its own bounded queue. */
  sinkFor(getTransport: () => SipTransport): TransportSink {
    return {
      onPacket: (data, info, parsed) => this.packet(getTransport(), data, info, parsed),
      onFramingError: (err, info, head) => this.framingError(getTransport(), err, info, head),
    };
  }

  queueStats(): Array<{ protocol: string; host: string; port: number } & InboundQueue<Queued>['stats']> {
    const out = [];
    for (const [t, q] of this.queues) {
      const p = t.listeningPoint;
      out.push({ protocol: p.protocol, host: p.host, port: p.port, ...q.stats });
    }
    return out;
  }

  close(): void {
    for (const q of this.queues.values()) q.close();
  }

  private queueFor(transport: SipTransport): InboundQueue<Queued> {
    let q = this.queues.get(transport);
    if (!q) {
      q = new InboundQueue<Queued>(
        (item) => this.handler?.(item.msg, item.info),
        (err) => this.logger.error({ err }, 'message handler failed'),
        this.opts,
      );
      this.queues.set(transport, q);
    }
    return q;
  }

  private packet(transport: SipTransport, data: Buffer, info: ReceivedInfo, parsed?: SipMessage | SipParseError): void {
    this.counters.received++;
    let msg: SipMessage;
    try {
      if (parsed instanceof SipParseError) throw parsed;
      if (parsed) {
        msg = parsed;
        validateMessage(msg);
      } else {
        msg = parseMessage(data, this.parseOptions);
      }
    } catch (err) {
      this.rejectUnparsed(transport, data, info, err);
      return;
    }
    if (msg.isRequest) this.request(transport, msg, data, info);
    else this.response(transport, msg, info);
  }

  private request(transport: SipTransport, req: SipRequest, raw: Buffer, info: ReceivedInfo): void {
    const queue = this.queueFor(transport);
    try {
      stampReceivedVia(req, info);
      this.learnAlias(req, info);
    } catch (err) {
      // A Via that parses lazily and fails: the request cannot be routed back properly.
      this.rejectUnparsed(transport, raw, info, err);
      return;
    }
    if (req.method !== 'ACK' && queue.overloaded) {
      queue.noteShed();
      this.counters.shed++;
      const head: RawRequestHead = {
        method: req.method,
        fields: [...req.headers].filter((f) => ['via', 'from', 'to', 'call-id', 'cseq'].includes(headerKey(f.name))),
      };
      const retryAfter = this.opts.retryAfterSeconds ?? 5;
      void this.reply(transport, info, serializeMessage(responseFromHead(head, 503, 'Service Unavailable', { 'Retry-After': retryAfter })));
      return;
    }
    queue.push({ msg: req, info });
  }

  private response(transport: SipTransport, res: SipMessage, info: ReceivedInfo): void {
    let ours = false;
    try {
      const top = res.topVia;
      ours = top !== undefined && viaMatchesUs(top, this.points());
    } catch {
      ours = false;
    }
    if (!ours) {
      this.counters.foreignResponsesDropped++;
      this.logger.debug({ source: info }, 'dropping response whose top Via is not ours');
      return;
    }
    this.queueFor(transport).push({ msg: res, info });
  }

  /** RFC 5923: a request carrying Via `alias` lets us reuse this connection towards its sent-by. */
  private learnAlias(req: SipRequest, info: ReceivedInfo): void {
    if (info.connectionId === undefined) return;
    const via = req.topVia;
    if (!via || !via.params.has('alias') || via.port === undefined) return;
    const conn = this.table.get(info.connectionId);
    if (conn) this.table.alias(conn, bareHost(via.host), via.port);
  }

  private rejectUnparsed(transport: SipTransport, data: Buffer, info: ReceivedInfo, err: unknown): void {
    const status = err instanceof SipParseError ? err.status : 400;
    const reason = err instanceof SipParseError ? err.reason : 'Bad Request';
    const head = status === 0 ? undefined : readRawRequestHead(data);
    if (status === 0 || (!head && isResponseStart(data))) {
      this.counters.badResponsesDropped++;
      this.logger.debug({ err, source: info }, 'dropping unparseable response');
      return;
    }
    this.counters.badRequests++;
    this.logger.debug({ err, source: info }, 'rejecting unparseable request');
    if (!head || head.method === 'ACK') return;
    this.counters.errorResponsesSent++;
    void this.reply(transport, info, serializeMessage(responseFromHead(head, status, reason)));
  }

  private async framingError(
    transport: SipTransport,
    err: SipParseError,
    info: ReceivedInfo,
    head: Buffer | undefined,
  ): Promise<void> {
    this.counters.framingErrors++;
    if (head && head.length > 0) this.rejectUnparsed(transport, head, info, err);
    // Give the 400 a chance to be written before the connection is ended.
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Answers straight back to where the bytes came from (same connection / socket). */
  private async reply(transport: SipTransport, info: ReceivedInfo, data: Buffer): Promise<void> {
    try {
      if (info.connectionId !== undefined && transport.sendOnConnection) {
        await transport.sendOnConnection(info.connectionId, data);
      } else if (!isReliable(info.protocol)) {
        await transport.send(data, { protocol: info.protocol, host: info.remoteAddress, port: info.remotePort });
      }
    } catch (err) {
      this.logger.debug({ err, source: info }, 'could not send transport-level answer');
    }
  }
}

function isResponseStart(data: Buffer): boolean {
  let p = 0;
  while (p < data.length && (data[p] === 13 || data[p] === 10)) p++;
  return data.subarray(p, p + 4).toString('latin1').toUpperCase() === 'SIP/';
}
