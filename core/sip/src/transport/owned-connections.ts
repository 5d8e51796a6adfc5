/**
 * The connections one stream transport (TCP, TLS, WS, WSS) opened or accepted: reuse of
 * a connection to the same target, one dial per target even when sends race, the
 * connection cap, and closing them all. Kept apart from how each transport dials.
 */
import type { ConnectionTable, StreamConnection } from './connection-table.js';
import { SipTransportError } from './errors.js';
import type { SendResult } from './transport.js';
import type { RemoteTarget, TransportProtocol } from './types.js';
import { formatTarget } from './types.js';

export class OwnedConnections<C extends StreamConnection> {
  private readonly dialing = new Map<string, Promise<C>>();
  private readonly mine = new Set<C>();
  closed = false;

  constructor(
    private readonly protocol: TransportProtocol,
    private readonly table: ConnectionTable,
    /** Whether a table entry is one of this transport's kind (the table is shared). */
    private readonly isOwnKind: (conn: StreamConnection) => conn is C,
  ) {}

  /** Registers a new connection in the shared table. */
  adopt(conn: C): C {
    this.mine.add(conn);
    this.table.add(conn);
    return conn;
  }

  /** A connection that closed: out of the table and of this transport's set. */
  forget(conn: C): void {
    this.table.remove(conn);
    this.mine.delete(conn);
  }

  /** Sends on the connection to `target`, dialing it (once) when none is open. */
  async send(data: Buffer, target: RemoteTarget, dial: (target: RemoteTarget, where: string) => Promise<C>): Promise<SendResult> {
    const conn = await this.connectionFor(target, dial);
    await conn.write(data);
    return { localAddress: conn.localAddress, localPort: conn.localPort, connectionId: conn.id };
  }

  async sendOnConnection(connectionId: string, data: Buffer): Promise<boolean> {
    const conn = this.table.get(connectionId);
    if (!conn || conn.protocol !== this.protocol) return false;
    await conn.write(data);
    return true;
  }

  closeAll(): void {
    this.closed = true;
    for (const conn of this.mine) {
      conn.close();
      this.table.remove(conn);
    }
  }

  private async connectionFor(target: RemoteTarget, dial: (target: RemoteTarget, where: string) => Promise<C>): Promise<C> {
    const existing = this.table.find(this.protocol, target.host, target.port);
    if (existing !== undefined && this.isOwnKind(existing)) return existing;
    const where = formatTarget(target);
    if (this.closed) throw new SipTransportError(`${this.protocol} transport closed; cannot send to ${where}`, { target: where });
    const pending = this.dialing.get(where);
    if (pending) return pending;
    if (this.table.full) {
      throw new SipTransportError(`connection limit ${this.table.maxConnections} reached; cannot open ${where}`, { target: where });
    }
    const attempt = dial(target, where).then((conn) => {
      // The dialled name may differ from the socket's view (IPv6 forms, hostnames).
      this.table.alias(conn, target.host, target.port);
      return conn;
    });
    this.dialing.set(where, attempt);
    try {
      return await attempt;
    } finally {
      this.dialing.delete(where);
    }
  }
}
