/** SIP over TLS (RFC 3261 26.2, RFC 5630); the server side needs key and certificate. */
import { connect, createServer } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import type { Server, Socket } from 'node:net';
import type { Logger } from '@rvoip/contracts';
import type { ConnectionTable } from './connection-table.js';
import type { ListenSpec, RemoteTarget } from './types.js';
import type { TransportSink } from './transport.js';
import { SocketStreamTransport, whenReady } from './stream-transport.js';
import type { StreamTransportOptions } from './stream-transport.js';
import { SipTransportError } from './errors.js';

/** How we verify servers we dial. Defaults to Node's CA store with verification on. */
export interface TlsClientOptions {
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate for mutual TLS. */
  key?: string | Buffer;
  cert?: string | Buffer;
  rejectUnauthorized?: boolean;
  /** SNI / certificate name to check when dialing an IP address. */
  servername?: string;
}

export class TlsTransport extends SocketStreamTransport {
  readonly protocol = 'tls' as const;

  constructor(
    spec: ListenSpec,
    sink: TransportSink,
    table: ConnectionTable,
    logger: Logger,
    opts: StreamTransportOptions = {},
    private readonly client: TlsClientOptions = {},
  ) {
    super(spec, sink, table, logger, opts);
    if (!spec.tls) throw new SipTransportError(`tls listener on ${spec.host}:${spec.port} needs key and cert`);
  }

  protected createServer(onSocket: (socket: Socket) => void): Server {
    const tls = this.spec.tls!;
    const server = createServer({ key: tls.key, cert: tls.cert, ca: tls.ca }, onSocket);
    // A failed handshake is the peer's problem; keep serving others.
    server.on('tlsClientError', (err) => this.logger.debug({ err }, 'tls handshake failed'));
    return server;
  }

  protected dial(target: RemoteTarget): Promise<Socket> {
    const options: ConnectionOptions = {
      host: target.host,
      port: target.port,
      ca: this.client.ca,
      key: this.client.key,
      cert: this.client.cert,
      rejectUnauthorized: this.client.rejectUnauthorized ?? true,
    };
    const servername = target.serverName ?? this.client.servername;
    if (servername) options.servername = servername;
    return whenReady(connect(options), 'secureConnect');
  }
}
