/**
 * UdpEndpoint on node:dgram: the default transport, and the fallback when the batched
 * addon is not built. One 'message' listener forwards to `onMessage`.
 */
import dgram from 'node:dgram';
import type { DatagramListener, UdpEndpoint, UdpSource } from './udp-endpoint.js';
import { UdpError } from './errors.js';

function bind(socket: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

export class DgramEndpoint implements UdpEndpoint {
  readonly transport = 'dgram' as const;
  readonly family: 'IPv4' | 'IPv6';
  readonly port: number;
  onMessage: DatagramListener | undefined;
  onError: ((err: Error) => void) | undefined;
  private closed = false;

  private constructor(readonly socket: dgram.Socket) {
    const a = socket.address();
    this.port = a.port;
    this.family = a.family === 'IPv6' ? 'IPv6' : 'IPv4';
    socket.on('message', (msg, rinfo) => this.onMessage?.(msg, rinfo as UdpSource));
    socket.on('error', (err) => this.onError?.(err));
  }

  /** Binds exclusively; a failure closes the socket and throws RVOIP_ERR_MEDIA_UDP_BIND (details.errno). */
  static async open(address: string, port: number): Promise<DgramEndpoint> {
    const socket = dgram.createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
    try {
      await bind(socket, port, address);
    } catch (err) {
      socket.close();
      const errno = (err as NodeJS.ErrnoException).code ?? 'EINVAL';
      throw new UdpError('BIND', `cannot bind UDP port ${port} on ${address}: ${(err as Error).message}`, { port, address, errno }, { cause: err });
    }
    return new DgramEndpoint(socket);
  }

  send(packet: Uint8Array, port?: number, address?: string): void {
    if (port === undefined) this.socket.send(packet);
    else this.socket.send(packet, port, address);
  }

  sendThen(packet: Uint8Array, onSent: () => void, port?: number, address?: string): void {
    if (port === undefined) this.socket.send(packet, () => onSent());
    else this.socket.send(packet, port, address, () => onSent());
  }

  connect(port: number, address: string, done: (err?: Error) => void): void {
    try {
      this.socket.connect(port, address, () => done());
    } catch (err) {
      // A previous connect() still pending, or closed meanwhile.
      done(err as Error);
    }
  }

  disconnect(): void {
    try {
      this.socket.disconnect();
    } catch {
      // Not connected (yet): nothing to undo.
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.socket.close();
    } catch {
      // Already closed by Node (an error on a never-bound socket): nothing left to free.
    }
  }
}
