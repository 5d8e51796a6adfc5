/** Builds the transport class for a listen spec. */
import type { Logger } from '@rvoip/contracts';
import type { ConnectionTable } from './connection-table.js';
import type { SipTransport, TransportSink } from './transport.js';
import type { ListenSpec } from './types.js';
import { UdpTransport } from './udp-transport.js';
import { TcpTransport } from './tcp-transport.js';
import { TlsTransport } from './tls-transport.js';
import type { TlsClientOptions } from './tls-transport.js';
import { WsTransport } from './ws-transport.js';
import type { StreamTransportOptions } from './stream-transport.js';

export interface TransportFactoryOptions extends StreamTransportOptions {
  /** How TLS and WSS servers we dial are verified (and our client certificate). */
  tlsClient?: TlsClientOptions;
  /** WebSocket URL path. Default `/`. */
  wsPath?: string;
}

export function createTransport(
  spec: ListenSpec,
  sink: TransportSink,
  table: ConnectionTable,
  logger: Logger,
  opts: TransportFactoryOptions,
): SipTransport {
  switch (spec.protocol) {
    case 'udp':
      return new UdpTransport(spec, sink, logger);
    case 'tcp':
      return new TcpTransport(spec, sink, table, logger, opts);
    case 'tls':
      return new TlsTransport(spec, sink, table, logger, opts, opts.tlsClient);
    case 'ws':
    case 'wss':
      return new WsTransport(
        spec,
        sink,
        table,
        logger,
        { connectTimeoutMs: opts.connectTimeoutMs, path: opts.wsPath, maxMessageSize: opts.maxMessageSize },
        opts.tlsClient,
      );
  }
}
