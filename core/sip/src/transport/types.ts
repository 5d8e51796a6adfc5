/**
 * Shared transport vocabulary: what we listen on, where we send, and where a message
 * came from. Kept free of socket types so upper layers can import it cheaply.
 */
import { networkInterfaces } from 'node:os';
import { SipTransportError } from './errors.js';

export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

export const TRANSPORT_PROTOCOLS: readonly TransportProtocol[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];

export interface TlsMaterial {
  key: string | Buffer;
  cert: string | Buffer;
  ca?: string | Buffer | Array<string | Buffer>;
}

export interface ListenSpec {
  protocol: TransportProtocol;
  /** Address to bind; `0.0.0.0` / `::` bind every interface of that family. */
  host: string;
  /** 0 picks an ephemeral port. */
  port: number;
  /** Required for tls and wss. */
  tls?: TlsMaterial;
  /** Host written into Via/Contact instead of the bound address (NAT, DNS name). */
  advertisedHost?: string;
  /**
   * UDP only: bind with SO_REUSEPORT (Linux) so several processes or worker threads each
   * own a socket on the same port; the kernel spreads datagrams over them by source
   * address and port, so one peer's requests and retransmissions reach the same worker.
   */
  reusePort?: boolean;
  /**
   * UDP only: SO_RCVBUF to ask for, in bytes (the kernel caps it at net.core.rmem_max).
   * Default 4 MiB: bursts of requests (a fleet re-registering, a load test) queue in the
   * kernel while the event loop works, instead of being dropped and retransmitted 500 ms later.
   */
  recvBufferSize?: number;
  /**
   * UDP only: sees every SIP datagram before it is parsed (keep-alives excluded); returning
   * true takes it away from this stack. A worker thread sharing a `reusePort` port with the
   * main thread forwards what it does not serve this way (see TransportLayer.injectDatagram
   * for the receiving side). Must be cheap: it runs on the receive path of every datagram.
   */
  divert?: UdpDivert;
}

/** Where a datagram came from and which socket received it. */
export interface DatagramSource {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

/** `ListenSpec.divert`: true when the hook took the datagram (the stack must not process it). */
export type UdpDivert = (datagram: Buffer, source: DatagramSource) => boolean;

export interface RemoteTarget {
  protocol: TransportProtocol;
  host: string;
  port: number;
  /**
   * TLS/WSS only: the name the peer's certificate must match when `host` is an address
   * found through DNS (RFC 5922: the SIP domain). Also sent as SNI.
   */
  serverName?: string;
}

export interface ReceivedInfo {
  protocol: TransportProtocol;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** Set for stream transports: the connection the message arrived on. */
  connectionId?: string;
}

export interface ListeningPoint {
  protocol: TransportProtocol;
  host: string;
  port: number;
  advertisedHost?: string;
}

/** Transports that guarantee delivery (RFC 3261 18: reliable vs unreliable). */
export function isReliable(protocol: TransportProtocol): boolean {
  return protocol !== 'udp';
}

/** Transports carried over TLS, whose default port is 5061. */
export function isSecure(protocol: TransportProtocol): boolean {
  return protocol === 'tls' || protocol === 'wss';
}

export function defaultPort(protocol: TransportProtocol): number {
  switch (protocol) {
    case 'tls':
      return 5061;
    case 'ws':
      return 80;
    case 'wss':
      return 443;
    default:
      return 5060;
  }
}

/** The Via transport token for a protocol (RFC 3261 UDP/TCP/TLS, RFC 7118 WS/WSS). */
export function viaTransportToken(protocol: TransportProtocol): string {
  return protocol.toUpperCase();
}

export function protocolFromToken(token: string): TransportProtocol | undefined {
  const lower = token.toLowerCase();
  return (TRANSPORT_PROTOCOLS as readonly string[]).includes(lower) ? (lower as TransportProtocol) : undefined;
}

/** IPv6 literals need brackets wherever a port may follow. */
export function formatHostPort(host: string, port?: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

/** Strips IPv6 brackets so addresses compare equal to what sockets report. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * Parses `udp://host:port`, `tls://[::1]:5061`, `ws://0.0.0.0:8080`. The port may be
 * omitted (protocol default). TLS material cannot live in a URL, so it is passed apart.
 */
export function parseListenSpec(text: string, tls?: TlsMaterial): ListenSpec {
  const m = /^([a-z]+):\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]+)(?::(\d+))?\/?$/.exec(text.trim());
  const protocol = m ? protocolFromToken(m[1]!) : undefined;
  if (!m || !protocol) {
    throw new SipTransportError(`invalid listen address '${text}': expected <udp|tcp|tls|ws|wss>://host:port`, {
      target: text,
    });
  }
  const port = m[3] === undefined ? defaultPort(protocol) : Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SipTransportError(`invalid port in listen address '${text}'`, { target: text });
  }
  if (isSecure(protocol) && !tls) {
    throw new SipTransportError(`listen address '${text}' needs TLS key and certificate`, { target: text });
  }
  const spec: ListenSpec = { protocol, host: bareHost(m[2]!), port };
  if (tls) spec.tls = tls;
  return spec;
}

export function formatTarget(t: RemoteTarget): string {
  return `${t.protocol}://${formatHostPort(t.host, t.port)}`;
}

/**
 * The host to write in Via/Contact for a listening point: the advertised name, the bound
 * address, or for a wildcard bind the first external address of that family (a peer
 * cannot send to 0.0.0.0).
 */
export function reachableHost(point: ListeningPoint): string {
  if (point.advertisedHost) return point.advertisedHost;
  if (point.host !== '0.0.0.0' && point.host !== '::') return point.host;
  const family = point.host === '::' ? 'IPv6' : 'IPv4';
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === family && !a.internal && !a.address.toLowerCase().startsWith('fe80:')) return a.address;
    }
  }
  return family === 'IPv6' ? '::1' : '127.0.0.1';
}
