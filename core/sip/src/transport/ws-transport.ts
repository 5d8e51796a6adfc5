/**
 * SIP over WebSocket, plain (ws) and secure (wss), RFC 7118. The handshake must offer
 * the `sip` subprotocol; others are refused. Clients (browsers) cannot accept
 * connections, so responses and in-dialog requests reuse the connection in the table.
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { Logger } from '@rvoip/contracts';
import type { ConnectionTable } from './connection-table.js';
import { WsConnection } from './ws-connection.js';
import type { ListenSpec, ListeningPoint, RemoteTarget } from './types.js';
import { formatHostPort } from './types.js';
import type { SendResult, SipTransport, TransportSink } from './transport.js';
import type { TlsClientOptions } from './tls-transport.js';
import { SipTransportError, transportFailure } from './errors.js';
import { OwnedConnections } from './owned-connections.js';

export const SIP_WS_SUBPROTOCOL = 'sip';

export interface WsTransportOptions {
  connectTimeoutMs?: number;
  /** URL path clients dial and servers accept on. Default `/`. */
  path?: string;
  /** Largest WebSocket message accepted. Default 64 KiB. */
  maxMessageSize?: number;
}

export class WsTransport implements SipTransport {
  readonly protocol: 'ws' | 'wss';
  readonly reliable = true;
  private http: Server | undefined;
  private wss: WebSocketServer | undefined;
  private point: ListeningPoint | undefined;
  private readonly owned: OwnedConnections<WsConnection>;
  rejectedOverLimit = 0;

  constructor(
    private readonly spec: ListenSpec,
    private readonly sink: TransportSink,
    private readonly table: ConnectionTable,
    private readonly logger: Logger,
    private readonly opts: WsTransportOptions = {},
    private readonly client: TlsClientOptions = {},
  ) {
    if (spec.protocol !== 'ws' && spec.protocol !== 'wss') {
      throw new SipTransportError(`WsTransport cannot serve protocol ${spec.protocol}`);
    }
    if (spec.protocol === 'wss' && !spec.tls) {
      throw new SipTransportError(`wss listener on ${spec.host}:${spec.port} needs key and cert`);
    }
    this.protocol = spec.protocol;
    this.owned = new OwnedConnections(this.protocol, table, (c): c is WsConnection => c instanceof WsConnection);
  }

  get listeningPoint(): ListeningPoint {
    if (!this.point) throw new SipTransportError(`${this.protocol} transport on ${this.spec.host} is not listening`);
    return this.point;
  }

  listen(): Promise<ListeningPoint> {
    const http =
      this.protocol === 'wss'
        ? createHttpsServer({ key: this.spec.tls!.key, cert: this.spec.tls!.cert, ca: this.spec.tls!.ca })
        : createHttpServer();
    this.http = http;
    const wss = new WebSocketServer({
      server: http,
      path: this.opts.path,
      maxPayload: this.opts.maxMessageSize ?? 65_536,
      // RFC 7118 4.1: no `sip` in Sec-WebSocket-Protocol, no SIP session.
      handleProtocols: (protocols) => (protocols.has(SIP_WS_SUBPROTOCOL) ? SIP_WS_SUBPROTOCOL : false),
      verifyClient: (info: { req: IncomingMessage }) => {
        if (this.owned.closed || this.table.full) {
          this.rejectedOverLimit++;
          return false;
        }
        return offersSip(info.req.headers['sec-websocket-protocol']);
      },
    });
    this.wss = wss;
    wss.on('connection', (ws, req) => this.accept(ws, req.socket));
    wss.on('error', (err) => this.logger.warn({ err, transport: this.protocol }, 'websocket server error'));
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(transportFailure(`binding ${this.protocol} on`, `${this.spec.host}:${this.spec.port}`, err));
      http.once('error', onError);
      http.listen({ port: this.spec.port, host: this.spec.host }, () => {
        http.off('error', onError);
        const addr = http.address();
        if (!addr || typeof addr === 'string') {
          reject(new SipTransportError(`${this.protocol} server on ${this.spec.host} has no address`));
          return;
        }
        this.point = { protocol: this.protocol, host: addr.address, port: addr.port };
        if (this.spec.advertisedHost) this.point.advertisedHost = this.spec.advertisedHost;
        resolve(this.point);
      });
    });
  }

  private accept(ws: WebSocket, socket: Socket): void {
    if (this.owned.closed) {
      ws.terminate();
      return;
    }
    this.register(ws, socket, false);
  }

  private register(ws: WebSocket, socket: Socket, outbound: boolean): WsConnection {
    const conn = new WsConnection(
      this.table.newId(this.protocol),
      this.protocol,
      outbound,
      ws,
      {
        localAddress: socket.localAddress ?? '',
        localPort: socket.localPort ?? 0,
        remoteAddress: socket.remoteAddress ?? '',
        remotePort: socket.remotePort ?? 0,
      },
      this.sink,
      (c) => this.owned.forget(c),
      this.logger,
    );
    return this.owned.adopt(conn);
  }

  send(data: Buffer, target: RemoteTarget): Promise<SendResult> {
    return this.owned.send(data, target, (t, where) => this.dial(t, where));
  }

  sendOnConnection(connectionId: string, data: Buffer): Promise<boolean> {
    return this.owned.sendOnConnection(connectionId, data);
  }

  private dial(target: RemoteTarget, where: string): Promise<WsConnection> {
    const url = `${this.protocol}://${formatHostPort(target.host, target.port)}${this.opts.path ?? '/'}`;
    const ws = new WebSocket(url, SIP_WS_SUBPROTOCOL, {
      handshakeTimeout: this.opts.connectTimeoutMs ?? 10_000,
      maxPayload: this.opts.maxMessageSize ?? 65_536,
      ca: this.client.ca,
      key: this.client.key,
      cert: this.client.cert,
      rejectUnauthorized: this.client.rejectUnauthorized ?? true,
      ...(target.serverName ?? this.client.servername ? { servername: target.serverName ?? this.client.servername } : {}),
    });
    return new Promise((resolve, reject) => {
      let socket: Socket | undefined;
      ws.once('upgrade', (res) => (socket = res.socket as Socket));
      const onError = (err: Error): void => {
        ws.terminate();
        reject(transportFailure('connecting to', where, err));
      };
      ws.once('error', onError);
      ws.once('open', () => {
        ws.off('error', onError);
        if (ws.protocol !== SIP_WS_SUBPROTOCOL || !socket || this.owned.closed) {
          ws.terminate();
          reject(new SipTransportError(`${where} did not accept the 'sip' WebSocket subprotocol`, { target: where }));
          return;
        }
        resolve(this.register(ws, socket, true));
      });
    });
  }

  async close(): Promise<void> {
    if (this.owned.closed) return;
    this.owned.closeAll();
    for (const client of this.wss?.clients ?? []) client.terminate();
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    const http = this.http;
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }
}

function offersSip(header: string | string[] | undefined): boolean {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  return text.split(',').some((p) => p.trim().toLowerCase() === SIP_WS_SUBPROTOCOL);
}
