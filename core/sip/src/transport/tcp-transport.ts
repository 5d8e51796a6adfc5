/** SIP over TCP (RFC 3261 18), framed by Content-Length. */
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { RemoteTarget } from './types.js';
import { SocketStreamTransport, whenReady } from './stream-transport.js';

export class TcpTransport extends SocketStreamTransport {
  readonly protocol = 'tcp' as const;

  protected createServer(onSocket: (socket: Socket) => void): Server {
    return createServer(onSocket);
  }

  protected dial(target: RemoteTarget): Promise<Socket> {
    return whenReady(connect({ host: target.host, port: target.port }), 'connect');
  }
}
