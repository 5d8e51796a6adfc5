/**
 * Hands out RTP/RTCP port pairs (even RTP port, RTCP on the next odd one, RFC 3550 11)
 * from a configured range by binding real sockets. A pair is reserved before binding and
 * released on any failure or on close, so the range never leaks.
 */
import dgram from 'node:dgram';
import { RtpError } from './errors.js';

export interface PortPair {
  port: number;
  rtp: dgram.Socket;
  rtcp: dgram.Socket;
  /** Closes both sockets and returns the port to the pool; idempotent. */
  release(): void;
}

function bind(socket: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    // Already closed, or never bound: nothing left to free.
  }
}

export class PortAllocator {
  private readonly inUse = new Set<number>();
  private next: number;
  private readonly first: number;
  private readonly last: number;

  constructor(readonly min: number, readonly max: number) {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || max - min < 1) {
      throw new RtpError('PORT_RANGE', `RTP port range [${min}, ${max}] must be integers within 1-65535 holding at least one even/odd pair`);
    }
    this.first = min % 2 === 0 ? min : min + 1;
    this.last = max % 2 === 0 ? max - 2 : max - 1;
    if (this.last < this.first) throw new RtpError('PORT_RANGE', `RTP port range [${min}, ${max}] holds no even/odd pair`);
    this.next = this.first;
  }

  /** Pairs the range can hold in total. */
  get capacity(): number {
    return (this.last - this.first) / 2 + 1;
  }

  get allocated(): number {
    return this.inUse.size;
  }

  /** Binds the next free pair, skipping ports other processes hold. */
  async allocate(address: string): Promise<PortPair> {
    const type = address.includes(':') ? 'udp6' : 'udp4';
    for (let tries = 0; tries < this.capacity; tries++) {
      const port = this.next;
      this.next = port + 2 > this.last ? this.first : port + 2;
      if (this.inUse.has(port)) continue;
      this.inUse.add(port);
      const rtp = dgram.createSocket({ type, reuseAddr: false });
      const rtcp = dgram.createSocket({ type, reuseAddr: false });
      try {
        await bind(rtp, port, address);
        await bind(rtcp, port + 1, address);
      } catch (err) {
        closeQuietly(rtp);
        closeQuietly(rtcp);
        this.inUse.delete(port);
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES') continue;
        throw new RtpError('BIND', `cannot bind RTP port ${port} on ${address}: ${(err as Error).message}`, { port, address }, { cause: err });
      }
      let released = false;
      return {
        port,
        rtp,
        rtcp,
        release: () => {
          if (released) return;
          released = true;
          closeQuietly(rtp);
          closeQuietly(rtcp);
          this.inUse.delete(port);
        },
      };
    }
    throw new RtpError('PORTS_EXHAUSTED', `no free RTP port pair in [${this.min}, ${this.max}] on ${address} (${this.inUse.size} in use)`, { min: this.min, max: this.max });
  }
}
