/**
 * SIP over UDP (RFC 3261 18): one datagram is one message. The listening socket also
 * sends, so responses leave from the port requests were sent to (RFC 3581 symmetric
 * response routing needs that).
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { lookup } from 'node:dns';
import type { LookupOneOptions } from 'node:dns';
import type { Logger } from '@rvoip/contracts';
import type { ListenSpec, ListeningPoint, RemoteTarget } from './types.js';
import { formatTarget } from './types.js';
import type { SendResult, SipTransport, TransportSink } from './transport.js';
import { SipTransportError, transportFailure } from './errors.js';

/** Datagrams that are not SIP: CRLF keep-alives and STUN (RFC 5626 4.4.2, first bits 00). */
function isKeepAliveDatagram(buf: Buffer): boolean {
  if (buf.length === 0 || buf[0]! < 0x04) return true;
  for (const b of buf) if (b !== 0x0d && b !== 0x0a && b !== 0x20) return false;
  return true;
}

/**
 * dgram resolves every destination through dns.lookup, which for an IP literal still
 * defers the send by a nextTick; answering literals in place keeps a send synchronous.
 */
function literalFirstLookup(
  hostname: string,
  options: LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else lookup(hostname, options, callback);
}

/** 4 MiB of kernel queue: about 10,000 REGISTERs of burst. */
const DEFAULT_RECV_BUFFER = 4 * 1024 * 1024;

export class UdpTransport implements SipTransport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  private socket: Socket | undefined;
  private point: ListeningPoint | undefined;
  private closed = false;
  keepAlivesIgnored = 0;

  constructor(
    private readonly spec: ListenSpec,
    private readonly sink: TransportSink,
    private readonly logger: Logger,
  ) {}

  get listeningPoint(): ListeningPoint {
    if (!this.point) throw new SipTransportError(`udp transport on ${this.spec.host} is not listening`);
    return this.point;
  }

  get family(): 4 | 6 {
    return isIP(this.spec.host) === 6 ? 6 : 4;
  }

  listen(): Promise<ListeningPoint> {
    const socket = createSocket({
      type: this.family === 6 ? 'udp6' : 'udp4',
      lookup: literalFirstLookup,
      ...(this.spec.reusePort === true ? { reusePort: true } : {}),
      recvBufferSize: this.spec.recvBufferSize ?? DEFAULT_RECV_BUFFER,
    });
    this.socket = socket;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close();
        reject(transportFailure('binding udp on', `${this.spec.host}:${this.spec.port}`, err));
      };
      socket.once('error', onError);
      socket.bind(this.spec.port, this.spec.host, () => {
        socket.off('error', onError);
        socket.on('error', (err) => this.logger.warn({ err, transport: 'udp' }, 'udp socket error'));
        socket.on('message', (msg, rinfo) => this.receive(msg, rinfo.address, rinfo.port));
        this.logger.debug({ transport: 'udp', recvBufferSize: socket.getRecvBufferSize() }, 'udp receive buffer');
        const addr = socket.address();
        this.point = { protocol: 'udp', host: addr.address, port: addr.port };
        if (this.spec.advertisedHost) this.point.advertisedHost = this.spec.advertisedHost;
        resolve(this.point);
      });
    });
  }

  private receive(msg: Buffer, remoteAddress: string, remotePort: number): void {
    if (isKeepAliveDatagram(msg)) {
      this.keepAlivesIgnored++;
      return;
    }
    const point = this.listeningPoint;
    const info = { protocol: 'udp' as const, localAddress: point.host, localPort: point.port, remoteAddress, remotePort };
    if (this.spec.divert?.(msg, info) === true) return;
    this.sink.onPacket(msg, info);
  }

  /**
   * Processes a datagram another socket of this port received (a worker thread's, under
   * `reusePort`) as if this socket had: answers leave from this socket, same port.
   * The divert hook is not consulted again.
   */
  inject(msg: Buffer, remoteAddress: string, remotePort: number): void {
    if (this.closed || isKeepAliveDatagram(msg)) return;
    const point = this.listeningPoint;
    this.sink.onPacket(msg, { protocol: 'udp', localAddress: point.host, localPort: point.port, remoteAddress, remotePort });
  }

  send(data: Buffer, target: RemoteTarget): Promise<SendResult> {
    const socket = this.socket;
    const where = formatTarget(target);
    if (!socket || this.closed) return Promise.reject(new SipTransportError(`udp transport closed; cannot send to ${where}`, { target: where }));
    return new Promise((resolve, reject) => {
      // Node reports send failures here (EHOSTUNREACH, EMSGSIZE, ...). ICMP port
      // unreachable is not reported for unconnected sockets on Linux.
      socket.send(data, target.port, target.host, (err) => {
        if (err) reject(transportFailure('sending udp to', where, err));
        else resolve({ localAddress: this.listeningPoint.host, localPort: this.listeningPoint.port });
      });
    });
  }

  sendNow(data: Buffer, target: RemoteTarget, done: (err?: SipTransportError) => void): void {
    const socket = this.socket;
    if (!socket || this.closed) {
      const where = formatTarget(target);
      queueMicrotask(() => done(new SipTransportError(`udp transport closed; cannot send to ${where}`, { target: where })));
      return;
    }
    socket.send(data, target.port, target.host, (err) => {
      if (err) done(transportFailure('sending udp to', formatTarget(target), err));
      else done();
    });
  }

  close(): Promise<void> {
    if (this.closed || !this.socket) {
      this.closed = true;
      return Promise.resolve();
    }
    this.closed = true;
    const socket = this.socket;
    return new Promise((resolve) => socket.close(() => resolve()));
  }
}
