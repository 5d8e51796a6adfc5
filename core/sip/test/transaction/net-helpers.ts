/**
 * Real-socket fixtures: two TransportLayer + TransactionLayer peers on 127.0.0.1 with
 * ephemeral ports, a raw datagram socket, and a lossy UDP relay that drops packets.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { once } from 'node:events';
import { TransportLayer } from '../../src/transport/index.js';
import type { ListeningPoint } from '../../src/transport/index.js';
import type { TimerValues, TransactionTarget, TransactionTransport } from '../../src/transaction/index.js';
import { TransactionLayer } from '../../src/transaction/index.js';

/** Short timers so retransmission and timeout paths finish within a test. */
export const FAST_TIMERS: Partial<TimerValues> = { T1: 20, T2: 80, T4: 100, trying: 200 };

export interface Peer {
  transport: TransportLayer;
  layer: TransactionLayer;
  udp: ListeningPoint;
  tcp: ListeningPoint;
  target(protocol: 'udp' | 'tcp'): TransactionTarget;
  close(): Promise<void>;
}

export async function startPeer(timers: Partial<TimerValues> = FAST_TIMERS): Promise<Peer> {
  const transport = new TransportLayer();
  const [udp, tcp] = await transport.listen(['udp://127.0.0.1:0', 'tcp://127.0.0.1:0']);
  // Compile-time proof that the real transport satisfies the layer's narrow interface.
  const narrow: TransactionTransport = transport;
  const layer = new TransactionLayer({ transport: narrow, timers });
  return {
    transport,
    layer,
    udp: udp!,
    tcp: tcp!,
    target: (protocol) => ({ protocol, host: '127.0.0.1', port: protocol === 'udp' ? udp!.port : tcp!.port }),
    close: async () => {
      layer.close();
      await transport.close();
    },
  };
}

export async function rawSocket(): Promise<{ socket: Socket; port: number; received: Array<{ text: string; from: RemoteInfo }> }> {
  const socket = createSocket('udp4');
  const received: Array<{ text: string; from: RemoteInfo }> = [];
  socket.on('message', (data, from) => received.push({ text: data.toString('utf8'), from }));
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return { socket, port: socket.address().port, received };
}

export function sendRaw(socket: Socket, data: Buffer | string, port: number): Promise<void> {
  return new Promise((resolve, reject) => socket.send(data, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
}

/** Polls until `check` holds; the deadline only bounds a broken test, it asserts nothing about speed. */
export async function waitFor(check: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > deadlineMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A UDP relay between one client and one server port. It drops the first `dropToServer`
 * datagrams going to the server and the first `dropToClient` coming back.
 */
export class LossyRelay {
  readonly socket = createSocket('udp4');
  port = 0;
  droppedToServer = 0;
  droppedToClient = 0;
  forwarded = 0;
  /** First line of every datagram the server sent, dropped or not. */
  readonly fromServer: string[] = [];
  private client: RemoteInfo | undefined;

  constructor(
    private readonly serverPort: number,
    private readonly dropToServer: number,
    private readonly dropToClient: number,
  ) {}

  async start(): Promise<this> {
    this.socket.on('message', (data, from) => {
      if (from.port === this.serverPort) {
        this.fromServer.push(data.toString('utf8', 0, Math.min(data.length, 64)).split('\r\n')[0]!);
        if (!this.client) return;
        if (this.droppedToClient < this.dropToClient) this.droppedToClient++;
        else this.forward(data, this.client.port);
      } else {
        this.client = from;
        if (this.droppedToServer < this.dropToServer) this.droppedToServer++;
        else this.forward(data, this.serverPort);
      }
    });
    this.socket.bind(0, '127.0.0.1');
    await once(this.socket, 'listening');
    this.port = this.socket.address().port;
    return this;
  }

  private forward(data: Buffer, port: number): void {
    this.forwarded++;
    this.socket.send(data, port, '127.0.0.1');
  }

  close(): void {
    this.socket.close();
  }
}
