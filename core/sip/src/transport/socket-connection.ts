/**
 * One TCP or TLS connection: frames the byte stream into SIP messages, answers RFC 5626
 * CRLF keep-alive pings, optionally pings the peer itself, and closes on a fatal
 * framing error after letting the layer answer with 400.
 */
import type { Socket } from 'node:net';
import type { Logger } from '@rvoip/contracts';
import type { SipParseError } from '../message/errors.js';
import type { StreamConnection } from './connection-table.js';
import type { TransportSink } from './transport.js';
import type { ReceivedInfo, TransportProtocol } from './types.js';
import { StreamFramer } from '../message/stream-framer.js';
import { SipTransportError, transportFailure } from './errors.js';

const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');

export interface SocketConnectionOptions {
  /** Send a CRLFCRLF ping this often on connections we opened; 0 disables (default). */
  keepAliveIntervalMs?: number;
  maxMessageSize?: number;
}

export class SocketConnection implements StreamConnection {
  lastActivity = Date.now();
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  pingsAnswered = 0;
  pongsReceived = 0;
  private readonly framer: StreamFramer;
  /** Bytes the framer holds, so a fatal error can still be answered from their headers. */
  private carry: Buffer = Buffer.alloc(0);
  private pinger: NodeJS.Timeout | undefined;
  private closing = false;
  private failed = false;

  constructor(
    readonly id: string,
    readonly protocol: TransportProtocol,
    readonly outbound: boolean,
    private readonly socket: Socket,
    private readonly sink: TransportSink,
    private readonly onClosed: (conn: SocketConnection) => void,
    private readonly logger: Logger,
    opts: SocketConnectionOptions = {},
  ) {
    this.localAddress = socket.localAddress ?? '';
    this.localPort = socket.localPort ?? 0;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.remotePort = socket.remotePort ?? 0;
    this.framer = new StreamFramer(opts.maxMessageSize === undefined ? {} : { maxSize: opts.maxMessageSize });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err) => this.logger.debug({ err, connection: id }, 'connection error'));
    socket.on('close', () => this.closed());
    if (outbound && opts.keepAliveIntervalMs && opts.keepAliveIntervalMs > 0) {
      this.pinger = setInterval(() => void this.write(CRLFCRLF).catch(() => undefined), opts.keepAliveIntervalMs);
      this.pinger.unref();
    }
  }

  get info(): ReceivedInfo {
    return {
      protocol: this.protocol,
      localAddress: this.localAddress,
      localPort: this.localPort,
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
      connectionId: this.id,
    };
  }

  write(data: Buffer): Promise<void> {
    const where = `${this.protocol} connection ${this.id} to ${this.remoteAddress}:${this.remotePort}`;
    if (this.closing || this.socket.destroyed || !this.socket.writable) {
      return Promise.reject(new SipTransportError(`${where} is closed`, { target: where }));
    }
    this.lastActivity = Date.now();
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => (err ? reject(transportFailure('writing to', where, err)) : resolve()));
    });
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.stopPinger();
    // end() flushes a pending 400; destroy soon after so a silent peer cannot hold it.
    this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), 1000);
    t.unref();
    this.socket.once('close', () => clearTimeout(t));
  }

  private receive(chunk: Buffer): void {
    if (this.closing || this.failed) return;
    this.lastActivity = Date.now();
    const data = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    let consumed = 0;
    for (const ev of this.framer.push(chunk)) {
      if (ev.type === 'ping') {
        this.pingsAnswered++;
        void this.write(CRLF).catch(() => undefined);
      } else if (ev.type === 'pong') {
        this.pongsReceived++;
      } else if (ev.type === 'fatal') {
        this.fail(ev.error, data.subarray(skipCrlf(data, consumed)));
        return;
      } else {
        // Keep-alive CRLFs are the only bytes between messages.
        consumed = skipCrlf(data, consumed) + ev.raw.length;
        this.sink.onPacket(ev.raw, this.info, ev.type === 'message' ? ev.message : ev.error);
      }
    }
    this.carry = this.framer.pending === 0 ? Buffer.alloc(0) : Buffer.from(data.subarray(data.length - this.framer.pending));
  }

  private fail(err: SipParseError, head: Buffer): void {
    this.failed = true;
    this.carry = Buffer.alloc(0);
    this.stopPinger();
    this.sink
      .onFramingError(err, this.info, head)
      .catch(() => undefined)
      .finally(() => this.close());
  }

  private stopPinger(): void {
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = undefined;
  }

  private closed(): void {
    this.closing = true;
    this.stopPinger();
    this.onClosed(this);
  }
}

function skipCrlf(buf: Buffer, from: number): number {
  let p = from;
  while (p < buf.length && (buf[p] === 13 || buf[p] === 10)) p++;
  return p;
}
