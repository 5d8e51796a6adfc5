/** A SIP caller that is only a UDP socket: the test writes every message itself (and decides when, or whether). */
import { createSocket, type Socket } from 'node:dgram';

export interface RawCaller {
  readonly socket: Socket;
  readonly port: number;
  /** Every message received, in order (start line first). */
  readonly received: string[];
  next(match: (msg: string) => boolean): Promise<string>;
  send(msg: string): void;
}

export async function rawCaller(target: number): Promise<RawCaller> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const received: string[] = [];
  const waiters: Array<{ match: (m: string) => boolean; resolve: (m: string) => void }> = [];
  socket.on('message', (buf) => {
    const msg = buf.toString();
    received.push(msg);
    for (const w of [...waiters]) {
      if (w.match(msg)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(msg);
      }
    }
  });
  return {
    socket, received, port: socket.address().port,
    next: (match) => {
      const seen = received.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    send: (msg) => socket.send(msg, target, '127.0.0.1'),
  };
}

/** The value of the first `name` header line of `msg` ('' when absent). */
export const header = (msg: string, name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(msg)?.[1]?.trim() ?? '';
