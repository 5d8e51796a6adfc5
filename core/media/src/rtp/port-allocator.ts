/**
 * Hands out RTP/RTCP port pairs (even RTP port, RTCP on the next odd one, RFC 3550 11)
 * from a configured range by binding real sockets. A pair is reserved before binding and
 * released on any failure or on close, so the range never leaks.
 */
import { RtpError } from './errors.js';
import { openUdpEndpoint } from '../udp/open-endpoint.js';
import type { UdpEndpoint, UdpTransportKind } from '../udp/udp-endpoint.js';
import type { UdpError } from '../udp/errors.js';

export interface PortPair {
  port: number;
  rtp: UdpEndpoint;
  rtcp: UdpEndpoint;
  /** Closes both sockets and returns the port to the pool; idempotent. */
  release(): void;
}

export class PortAllocator {
  private readonly inUse = new Set<number>();
  private next: number;
  private readonly first: number;
  private readonly last: number;

  /** `transport`: the sockets' implementation (node:dgram, or the native batched path). */
  constructor(readonly min: number, readonly max: number, readonly transport: UdpTransportKind = 'dgram') {
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
    for (let tries = 0; tries < this.capacity; tries++) {
      const port = this.next;
      this.next = port + 2 > this.last ? this.first : port + 2;
      if (this.inUse.has(port)) continue;
      this.inUse.add(port);
      let rtp: UdpEndpoint | undefined;
      let rtcp: UdpEndpoint | undefined;
      try {
        rtp = await openUdpEndpoint(this.transport, address, port);
        rtcp = await openUdpEndpoint(this.transport, address, port + 1);
      } catch (err) {
        rtp?.close();
        this.inUse.delete(port);
        const errno = (err as UdpError).details?.errno;
        if (errno === 'EADDRINUSE' || errno === 'EACCES') continue;
        throw new RtpError('BIND', `cannot bind RTP port ${port} on ${address}: ${(err as Error).message}`, { port, address, errno }, { cause: err });
      }
      let released = false;
      const pair = { rtp, rtcp };
      return {
        port,
        rtp,
        rtcp,
        release: () => {
          if (released) return;
          released = true;
          pair.rtp.close();
          pair.rtcp.close();
          this.inUse.delete(port);
        },
      };
    }
    throw new RtpError('PORTS_EXHAUSTED', `no free RTP port pair in [${this.min}, ${this.max}] on ${address} (${this.inUse.size} in use)`, { min: this.min, max: this.max });
  }
}
