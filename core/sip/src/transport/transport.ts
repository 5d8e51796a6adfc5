/**
 * The contract between one transport (a bound socket or server) and the TransportLayer.
 * Transports move bytes and report where they came from; parsing, Via handling and
 * policy live in the layer so every transport behaves the same.
 */
import type { SipParseError } from '../message/errors.js';
import type { SipMessage } from '../message/message.js';
import type { SipTransportError } from './errors.js';
import type { ListeningPoint, ReceivedInfo, RemoteTarget, TransportProtocol } from './types.js';

export interface TransportSink {
  /**
   * One complete SIP message (a datagram, a framed stream message, a WS message).
   * Stream framing already parses; it passes the result (message or error) along.
   */
  onPacket(data: Buffer, info: ReceivedInfo, parsed?: SipMessage | SipParseError): void;
  /**
   * The stream framer gave up on a connection. `head` holds what was buffered (the
   * header block, when there was one) so the layer can still answer with 400 before the
   * transport closes the connection.
   */
  onFramingError(err: SipParseError, info: ReceivedInfo, head: Buffer | undefined): Promise<void>;
}

export interface SendResult {
  localAddress: string;
  localPort: number;
  connectionId?: string;
}

export interface SipTransport {
  readonly protocol: TransportProtocol;
  readonly reliable: boolean;
  /** Binds the socket/server; resolves with the actual address (ephemeral port filled). */
  listen(): Promise<ListeningPoint>;
  /** The bound address; only valid after `listen()`. */
  readonly listeningPoint: ListeningPoint;
  /** Sends to the target, reusing an open connection on stream transports. */
  send(data: Buffer, target: RemoteTarget): Promise<SendResult>;
  /**
   * Optional fire-and-forget send for the per-message hot path (UDP): no promise, `done`
   * called once the datagram left (no argument) or failed. Only for targets that are IP
   * addresses; the layer uses `send` for everything else.
   */
  sendNow?(data: Buffer, target: RemoteTarget, done: (err?: SipTransportError) => void): void;
  /** Writes on one known connection; false when it is gone (stream transports only). */
  sendOnConnection?(connectionId: string, data: Buffer): Promise<boolean>;
  close(): Promise<void>;
}
