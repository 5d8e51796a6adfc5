export type {
  TransportProtocol,
  TlsMaterial,
  ListenSpec,
  RemoteTarget,
  ReceivedInfo,
  ListeningPoint,
  DatagramSource,
  UdpDivert,
} from './types.js';
export {
  TRANSPORT_PROTOCOLS,
  parseListenSpec,
  isReliable,
  isSecure,
  defaultPort,
  viaTransportToken,
  protocolFromToken,
  formatHostPort,
  formatTarget,
  bareHost,
  reachableHost,
} from './types.js';
export { SipTransportError, SIP_TRANSPORT_ERROR } from './errors.js';
export type { SipTransport, TransportSink, SendResult } from './transport.js';
export { UdpTransport } from './udp-transport.js';
export { TcpTransport } from './tcp-transport.js';
export { TlsTransport } from './tls-transport.js';
export type { TlsClientOptions } from './tls-transport.js';
export { WsTransport, SIP_WS_SUBPROTOCOL } from './ws-transport.js';
export type { WsTransportOptions } from './ws-transport.js';
export type { StreamTransportOptions } from './stream-transport.js';
export type { SocketConnectionOptions } from './socket-connection.js';
export { ConnectionTable } from './connection-table.js';
export type { StreamConnection, ConnectionTableOptions } from './connection-table.js';
export { InboundQueue } from './inbound-queue.js';
export type { InboundQueueOptions, InboundQueueStats } from './inbound-queue.js';
export type { MessageHandler, InboundCounters, InboundOptions } from './inbound.js';
export { NodeDnsResolver, locateSipServer, orderSrv } from './resolver.js';
export type { SipDnsResolver, NaptrAnswer, SrvAnswer, AddressAnswer, TargetUri, LocateOptions } from './resolver.js';
export { stampOutgoingVia, stampReceivedVia, viaMatchesUs, routeResponse, replaceTopVia } from './via-policy.js';
export type { ResponseRoute } from './via-policy.js';
export { TransportLayer } from './transport-layer.js';
export type { TransportLayerOptions, TransportLayerStats } from './transport-layer.js';
export type { TransportFactoryOptions } from './factory.js';
