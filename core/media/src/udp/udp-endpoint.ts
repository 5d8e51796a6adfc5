/**
 * The one interface the media engine's RTP/RTCP code uses for a UDP socket, so the socket
 * implementation can be node:dgram (the default and fallback) or the batched native path
 * (batched-udp.ts: recvmmsg/sendmmsg, one JS call per loop turn for all sockets).
 */
export type UdpTransportKind = 'dgram' | 'batched';

/** Where a datagram came from. Treat as read-only: an endpoint may reuse it while unchanged. */
export interface UdpSource {
  readonly address: string;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
}

/** `msg` is the receiver's own (a fresh Buffer per datagram). */
export type DatagramListener = (msg: Buffer, source: UdpSource) => void;

export interface UdpEndpoint {
  readonly transport: UdpTransportKind;
  readonly family: 'IPv4' | 'IPv6';
  /** The bound local port. */
  readonly port: number;
  /** The single receive listener; replaceable (the bench probe wraps it). */
  onMessage: DatagramListener | undefined;
  /** Asynchronous socket errors (ICMP-reported send failures and the like). */
  onError: ((err: Error) => void) | undefined;
  /**
   * Sends `packet` to port/address, or, when both are omitted, to the connected peer. The
   * bytes are taken before return (dgram holds the Buffer until sent; do not reuse it).
   */
  send(packet: Uint8Array, port?: number, address?: string): void;
  /** As send; `onSent` runs once the datagram has left (or could not be sent). */
  sendThen(packet: Uint8Array, onSent: () => void, port?: number, address?: string): void;
  /** Connects to the peer (the kernel then drops other sources); `done` runs when it took effect. */
  connect(port: number, address: string, done: (err?: Error) => void): void;
  disconnect(): void;
  /** Sends what is queued, then closes; idempotent. */
  close(): void;
}
