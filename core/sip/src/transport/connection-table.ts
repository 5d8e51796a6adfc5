/**
 * Open stream connections (TCP, TLS, WS, WSS), shared by every stream transport of a
 * TransportLayer so a request and its response, and later requests to the same peer,
 * reuse one connection (RFC 3261 18, RFC 5923 aliases). It also enforces the
 * connection cap and closes connections that stay idle.
 */
import type { TransportProtocol } from './types.js';
import { bareHost } from './types.js';

export interface StreamConnection {
  readonly id: string;
  readonly protocol: TransportProtocol;
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** True when we opened it (client side). */
  readonly outbound: boolean;
  /** Milliseconds timestamp of the last byte in or out; the idle sweep reads it. */
  lastActivity: number;
  write(data: Buffer): Promise<void>;
  /** Ends the connection; safe to call twice. */
  close(): void;
}

export interface ConnectionTableOptions {
  /** Close a connection after this long without traffic; 0 disables. Default 300 s. */
  idleTimeoutMs?: number;
  /** Cap on open connections across all stream transports. Default 10,000. */
  maxConnections?: number;
  now?: () => number;
}

function key(protocol: TransportProtocol, host: string, port: number): string {
  return `${protocol}|${bareHost(host).toLowerCase()}|${port}`;
}

export class ConnectionTable {
  private readonly byId = new Map<string, StreamConnection>();
  private readonly byKey = new Map<string, StreamConnection>();
  private readonly keysOf = new Map<string, Set<string>>();
  private readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  private readonly now: () => number;
  private sweeper: NodeJS.Timeout | undefined;
  private nextId = 1;
  /** Connections closed by the idle sweep, for metrics. */
  idleClosed = 0;

  constructor(opts: ConnectionTableOptions = {}) {
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 300_000;
    this.maxConnections = opts.maxConnections ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  newId(protocol: TransportProtocol): string {
    return `${protocol}-${this.nextId++}`;
  }

  get size(): number {
    return this.byId.size;
  }

  get full(): boolean {
    return this.byId.size >= this.maxConnections;
  }

  add(conn: StreamConnection): void {
    this.byId.set(conn.id, conn);
    this.keysOf.set(conn.id, new Set());
    this.alias(conn, conn.remoteAddress, conn.remotePort);
    this.startSweeper();
  }

  /** Also reach `conn` for sends to host:port (Via `alias`, RFC 5923, or our own dial target). */
  alias(conn: StreamConnection, host: string, port: number): void {
    const keys = this.keysOf.get(conn.id);
    if (!keys) return;
    const k = key(conn.protocol, host, port);
    this.byKey.set(k, conn);
    keys.add(k);
  }

  get(id: string): StreamConnection | undefined {
    return this.byId.get(id);
  }

  find(protocol: TransportProtocol, host: string, port: number): StreamConnection | undefined {
    return this.byKey.get(key(protocol, host, port));
  }

  remove(conn: StreamConnection): void {
    if (this.byId.get(conn.id) !== conn) return;
    this.byId.delete(conn.id);
    for (const k of this.keysOf.get(conn.id) ?? []) {
      if (this.byKey.get(k) === conn) this.byKey.delete(k);
    }
    this.keysOf.delete(conn.id);
    if (this.byId.size === 0) this.stopSweeper();
  }

  all(): StreamConnection[] {
    return [...this.byId.values()];
  }

  /** Closes idle connections; runs on a timer but is callable directly. */
  sweep(): void {
    if (this.idleTimeoutMs <= 0) return;
    const cutoff = this.now() - this.idleTimeoutMs;
    for (const conn of this.all()) {
      if (conn.lastActivity <= cutoff) {
        this.idleClosed++;
        conn.close();
        this.remove(conn);
      }
    }
  }

  closeAll(): void {
    for (const conn of this.all()) {
      conn.close();
      this.remove(conn);
    }
    this.stopSweeper();
  }

  get timerActive(): boolean {
    return this.sweeper !== undefined;
  }

  private startSweeper(): void {
    if (this.sweeper || this.idleTimeoutMs <= 0) return;
    const every = Math.max(50, Math.min(30_000, Math.floor(this.idleTimeoutMs / 4)));
    this.sweeper = setInterval(() => this.sweep(), every);
    // Never keep the process alive just to sweep.
    this.sweeper.unref();
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
