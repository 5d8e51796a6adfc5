/**
 * UdpEndpoint on the native batched path (core/media/native/rvoip_udp.c). The addon drains
 * every readable socket with recvmmsg during libuv's poll phase and calls `dispatch` once
 * per loop turn with the count; each datagram is copied out of the shared slab into a
 * pooled Buffer (Buffer.allocUnsafe: no backing store of its own), so the receiver owns
 * it as with dgram. Sends are copied into a native queue and leave with sendmmsg at the
 * end of the loop turn. The source object is reused while a socket's peer stays the same:
 * no string or rinfo per datagram.
 */
import { constants } from 'node:os';
import { UdpError } from './errors.js';
import { nativeUdpStatus } from './native-addon.js';
import type { NativeUdpAddon } from './native-addon.js';
import type { DatagramListener, UdpEndpoint, UdpSource } from './udp-endpoint.js';

const V6 = 1 << 16;
const CHANGED = 1 << 17;

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** `-errno` from the addon as its name (EADDRINUSE...). */
export function errnoName(rc: number): string {
  return errnoNames.get(-rc) ?? `errno ${-rc}`;
}

/** Counters of the native path since the process started. */
export interface BatchedUdpCounters {
  batches: number;
  received: number;
  truncated: number;
  receiveErrors: number;
  sent: number;
  sendErrors: number;
}

/** The per-process side of the addon: its shared slab and the socket table by id. */
class Dispatcher {
  private readonly sockets: Array<BatchedUdpEndpoint | undefined> = [];
  private readonly data: Buffer;
  private readonly meta: Int32Array;

  constructor(readonly addon: NativeUdpAddon) {
    const shared = addon.setup((count) => this.dispatch(count));
    this.data = Buffer.from(shared.data);
    this.meta = new Int32Array(shared.meta);
  }

  register(id: number, endpoint: BatchedUdpEndpoint): void {
    this.sockets[id] = endpoint;
  }

  unregister(id: number, endpoint: BatchedUdpEndpoint): void {
    if (this.sockets[id] === endpoint) this.sockets[id] = undefined;
  }

  private dispatch(count: number): void {
    const meta = this.meta;
    let failure: unknown;
    let failed = false;
    for (let i = 0; i < count; i++) {
      const s = this.sockets[meta[i * 4]!];
      const pf = meta[i * 4 + 3]!;
      // A socket closed earlier in this batch: its remaining datagrams go nowhere.
      if (!s) continue;
      if ((pf & CHANGED) !== 0 || s.source === undefined) {
        s.source = { address: this.addon.sourceAddress(i), port: pf & 0xffff, family: (pf & V6) !== 0 ? 'IPv6' : 'IPv4' };
      }
      const listener = s.onMessage;
      if (!listener) continue;
      const offset = meta[i * 4 + 1]!;
      const length = meta[i * 4 + 2]!;
      const msg = Buffer.allocUnsafe(length);
      this.data.copy(msg, 0, offset, offset + length);
      try {
        listener(msg, s.source);
      } catch (err) {
        // One throwing listener must not cost the rest of the batch; the first error is
        // rethrown below and becomes 'uncaughtException', as from a dgram listener.
        if (!failed) failure = err;
        failed = true;
      }
    }
    if (failed) throw failure;
  }
}

let dispatcher: Dispatcher | undefined;

function shared(): Dispatcher {
  if (dispatcher) return dispatcher;
  const status = nativeUdpStatus();
  if (!status.loaded) throw new UdpError('ADDON_MISSING', status.reason);
  return (dispatcher = new Dispatcher(status.addon));
}

export function batchedUdpCounters(): BatchedUdpCounters {
  const [batches = 0, received = 0, truncated = 0, receiveErrors = 0, sent = 0, sendErrors = 0] = shared().addon.counters();
  return { batches, received, truncated, receiveErrors, sent, sendErrors };
}

/** Sends every queued datagram now (the addon also does at the end of each loop turn). */
export function flushBatchedUdp(): void {
  shared().addon.flush();
}

export class BatchedUdpEndpoint implements UdpEndpoint {
  readonly transport = 'batched' as const;
  readonly port: number;
  onMessage: DatagramListener | undefined;
  /** Not called: the native path counts receive and send errors in batchedUdpCounters(). */
  onError: ((err: Error) => void) | undefined;
  /** Source of the latest datagram; set by the dispatcher. */
  source: UdpSource | undefined;
  private closed = false;
  private destPort = -1;
  private destAddress = '';

  private constructor(private readonly d: Dispatcher, private readonly id: number, readonly family: 'IPv4' | 'IPv6') {
    this.port = d.addon.localPort(id);
    d.register(id, this);
  }

  /**
   * Binds a non-blocking socket (never shared: no SO_REUSEADDR). Throws
   * RVOIP_ERR_MEDIA_UDP_ADDON_MISSING when the addon did not build, and
   * RVOIP_ERR_MEDIA_UDP_BIND (details.errno: EADDRINUSE, EACCES, EINVAL...) when binding fails.
   */
  static open(address: string, port: number): BatchedUdpEndpoint {
    const d = shared();
    const family = address.includes(':') ? 'IPv6' : 'IPv4';
    const id = d.addon.open(family === 'IPv6' ? 6 : 4, address, port);
    if (id < 0) {
      const errno = errnoName(id);
      throw new UdpError('BIND', `cannot bind UDP port ${port} on ${address}: ${errno}`, { port, address, errno });
    }
    return new BatchedUdpEndpoint(d, id, family);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * A datagram the kernel refuses (full send buffer, an ICMP error reported on a connected
   * socket) is lost as on the wire and counted in batchedUdpCounters().sendErrors; dgram
   * likewise drops send errors of sends without a callback.
   */
  send(packet: Uint8Array, port?: number, address?: string): void {
    this.d.addon.send(this.id, packet, this.destination(port, address));
  }

  /** Sent at once (not queued), so `onSent` can follow on the next microtask. */
  sendThen(packet: Uint8Array, onSent: () => void, port?: number, address?: string): void {
    try {
      this.d.addon.sendNow(this.id, packet, this.destination(port, address));
    } finally {
      queueMicrotask(onSent);
    }
  }

  connect(port: number, address: string, done: (err?: Error) => void): void {
    const rc = this.closed ? -constants.errno.EBADF : this.d.addon.connect(this.id, port, address);
    const err = rc < 0 ? new UdpError('CONNECT', `cannot connect UDP port ${this.port} to ${address}:${port}: ${errnoName(rc)}`, { port, address, errno: errnoName(rc) }) : undefined;
    queueMicrotask(() => done(err));
  }

  disconnect(): void {
    if (!this.closed) this.d.addon.disconnect(this.id);
  }

  /** Queued datagrams of this socket are sent first (a last RTCP BYE), then the fd closes. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.d.unregister(this.id, this);
    this.d.addon.close(this.id);
  }

  /** Whether the datagram goes to the socket's cached destination (set when it changes). */
  private destination(port: number | undefined, address: string | undefined): boolean {
    if (this.closed) throw new UdpError('CLOSED', `send on closed UDP port ${this.port}`, { port: this.port });
    if (port === undefined || address === undefined) return false;
    if (port !== this.destPort || address !== this.destAddress) {
      const rc = this.d.addon.setDest(this.id, port, address);
      if (rc < 0) throw new UdpError('ADDRESS', `cannot send from UDP port ${this.port} to ${address}:${port}: ${errnoName(rc)}`, { port, address, errno: errnoName(rc) });
      this.destPort = port;
      this.destAddress = address;
    }
    return true;
  }
}
