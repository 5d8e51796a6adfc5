/**
 * Common server/client logic of the socket-based stream transports (TCP, TLS):
 * accepting within the connection cap, dialing once per target even when several sends
 * race, and registering every connection in the shared table.
 */
import type { Server, Socket } from 'node:net';
import type { Logger } from '@rvoip/contracts';
import type { ConnectionTable } from './connection-table.js';
import { SocketConnection } from './socket-connection.js';
import type { SocketConnectionOptions } from './socket-connection.js';
import type { ListenSpec, ListeningPoint, RemoteTarget, TransportProtocol } from './types.js';
import type { SendResult, SipTransport, TransportSink } from './transport.js';
import { SipTransportError, transportFailure } from './errors.js';
import { OwnedConnections } from './owned-connections.js';

export interface StreamTransportOptions extends SocketConnectionOptions {
  /** Give up dialing after this long. Default 10 s. */
  connectTimeoutMs?: number;
}

export abstract class SocketStreamTransport implements SipTransport {
  abstract readonly protocol: TransportProtocol;
  readonly reliable = true;
  protected server: Server | undefined;
  private point: ListeningPoint | undefined;
  private ownedConnections: OwnedConnections<SocketConnection> | undefined;
  rejectedOverLimit = 0;

  constructor(
    protected readonly spec: ListenSpec,
    protected readonly sink: TransportSink,
    protected readonly table: ConnectionTable,
    protected readonly logger: Logger,
    protected readonly opts: StreamTransportOptions = {},
  ) {}

  /** Created on first use: `protocol` is set by the subclass after this constructor ran. */
  private get owned(): OwnedConnections<SocketConnection> {
    this.ownedConnections ??= new OwnedConnections(this.protocol, this.table, (c): c is SocketConnection => c instanceof SocketConnection);
    return this.ownedConnections;
  }

  protected abstract createServer(onSocket: (socket: Socket) => void): Server;
  /** Dials and resolves once the socket is ready for SIP (connected / handshake done). */
  protected abstract dial(target: RemoteTarget): Promise<Socket>;

  get listeningPoint(): ListeningPoint {
    if (!this.point) throw new SipTransportError(`${this.protocol} transport on ${this.spec.host} is not listening`);
    return this.point;
  }

  listen(): Promise<ListeningPoint> {
    const server = this.createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(transportFailure(`binding ${this.protocol} on`, `${this.spec.host}:${this.spec.port}`, err));
      server.once('error', onError);
      server.listen({ port: this.spec.port, host: this.spec.host }, () => {
        server.off('error', onError);
        server.on('error', (err) => this.logger.warn({ err, transport: this.protocol }, 'server error'));
        const addr = server.address();
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

  private accept(socket: Socket): void {
    if (this.owned.closed || this.table.full) {
      this.rejectedOverLimit++;
      socket.destroy();
      return;
    }
    this.register(socket, false);
  }

  private register(socket: Socket, outbound: boolean): SocketConnection {
    const conn = new SocketConnection(
      this.table.newId(this.protocol),
      this.protocol,
      outbound,
      socket,
      this.sink,
      (c) => this.owned.forget(c),
      this.logger,
      this.opts,
    );
    return this.owned.adopt(conn);
  }

  send(data: Buffer, target: RemoteTarget): Promise<SendResult> {
    return this.owned.send(data, target, (t, where) => this.open(t, where));
  }

  sendOnConnection(connectionId: string, data: Buffer): Promise<boolean> {
    return this.owned.sendOnConnection(connectionId, data);
  }

  private async open(target: RemoteTarget, where: string): Promise<SocketConnection> {
    const socket = await this.dialWithTimeout(target, where);
    if (this.owned.closed) {
      socket.destroy();
      throw new SipTransportError(`${this.protocol} transport closed while connecting to ${where}`, { target: where });
    }
    return this.register(socket, true);
  }

  private dialWithTimeout(target: RemoteTarget, where: string): Promise<Socket> {
    const ms = this.opts.connectTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new SipTransportError(`connecting to ${where} timed out after ${ms} ms`, { target: where })), ms);
      this.dial(target).then(
        (s) => {
          clearTimeout(timer);
          resolve(s);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof SipTransportError ? err : transportFailure('connecting to', where, err));
        },
      );
    });
  }

  async close(): Promise<void> {
    if (this.owned.closed) return;
    this.owned.closeAll();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Resolves when `socket` emits `readyEvent`, rejects on error (ECONNREFUSED, TLS...). */
export function whenReady(socket: Socket, readyEvent: 'connect' | 'secureConnect'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.once(readyEvent, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
