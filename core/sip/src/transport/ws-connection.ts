/**
 * One SIP-over-WebSocket connection (RFC 7118): every WebSocket message carries exactly
 * one SIP message, so no Content-Length framing is needed. CRLF keep-alives, which
 * browser stacks such as JsSIP send, are answered like on TCP.
 */
import { isUtf8 } from 'node:buffer';
import type WebSocket from 'ws';
import type { RawData } from 'ws';
import type { Logger } from '@rvoip/contracts';
import type { StreamConnection } from './connection-table.js';
import type { TransportSink } from './transport.js';
import type { ReceivedInfo, TransportProtocol } from './types.js';
import { SipTransportError } from './errors.js';

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function onlyCrlf(buf: Buffer): boolean {
  if (buf.length === 0) return false;
  for (const b of buf) if (b !== 0x0d && b !== 0x0a) return false;
  return true;
}

export interface WsEndpoints {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

export class WsConnection implements StreamConnection {
  lastActivity = Date.now();
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  pingsAnswered = 0;
  private closing = false;

  constructor(
    readonly id: string,
    readonly protocol: TransportProtocol,
    readonly outbound: boolean,
    private readonly ws: WebSocket,
    ends: WsEndpoints,
    private readonly sink: TransportSink,
    private readonly onClosed: (conn: WsConnection) => void,
    private readonly logger: Logger,
  ) {
    this.localAddress = ends.localAddress;
    this.localPort = ends.localPort;
    this.remoteAddress = ends.remoteAddress;
    this.remotePort = ends.remotePort;
    ws.on('message', (data) => this.receive(toBuffer(data)));
    ws.on('error', (err) => this.logger.debug({ err, connection: id }, 'websocket error'));
    ws.on('close', () => {
      this.closing = true;
      this.onClosed(this);
    });
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
    if (this.closing || this.ws.readyState !== this.ws.OPEN) {
      return Promise.reject(new SipTransportError(`${where} is closed`, { target: where }));
    }
    this.lastActivity = Date.now();
    // RFC 7118 5: text frames for UTF-8 messages, binary frames otherwise.
    const payload = isUtf8(data) ? data.toString('utf8') : data;
    return new Promise((resolve, reject) => {
      this.ws.send(payload, (err) => (err ? reject(new SipTransportError(`writing to ${where} failed: ${err.message}`, { target: where, cause: err })) : resolve()));
    });
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.ws.close(1000);
    // A peer that never completes the closing handshake must not keep the socket.
    const t = setTimeout(() => this.ws.terminate(), 1000);
    t.unref();
    this.ws.once('close', () => clearTimeout(t));
  }

  private receive(buf: Buffer): void {
    if (this.closing) return;
    this.lastActivity = Date.now();
    if (onlyCrlf(buf)) {
      if (buf.length >= 4) {
        this.pingsAnswered++;
        void this.write(Buffer.from('\r\n')).catch(() => undefined);
      }
      return;
    }
    this.sink.onPacket(buf, this.info);
  }
}
