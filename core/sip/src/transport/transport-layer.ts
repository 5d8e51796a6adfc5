/**
 * The transport layer facade (RFC 3261 18): listens on a set of addresses, hands parsed
 * messages up, and sends requests and responses on the right transport. The work is
 * delegated: sockets to the *Transport classes, received-side policy to
 * InboundProcessor, Via rules to via-policy, server location to resolver.
 */
import { isIP } from 'node:net';
import type { Logger } from '@rvoip/contracts';
import { silentLogger } from '@rvoip/contracts';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { Via } from '../message/via.js';
import { SipUri } from '../message/uri.js';
import { serializeMessage } from '../message/serializer.js';
import { ConnectionTable } from './connection-table.js';
import type { ConnectionTableOptions } from './connection-table.js';
import { InboundProcessor } from './inbound.js';
import type { InboundCounters, InboundOptions, MessageHandler } from './inbound.js';
import { NodeDnsResolver, locateSipServer } from './resolver.js';
import type { SipDnsResolver, TargetUri } from './resolver.js';
import type { SipTransport } from './transport.js';
import { createTransport } from './factory.js';
import { UdpTransport } from './udp-transport.js';
import type { TransportFactoryOptions } from './factory.js';
import type { DatagramSource, ListenSpec, ListeningPoint, ReceivedInfo, RemoteTarget, TransportProtocol } from './types.js';
import { bareHost, formatHostPort, formatTarget, isSecure, parseListenSpec, reachableHost } from './types.js';
import { routeResponse, stampOutgoingVia } from './via-policy.js';
import { SipTransportError } from './errors.js';

export interface TransportLayerOptions extends InboundOptions, ConnectionTableOptions, TransportFactoryOptions {
  logger?: Logger;
  /** DNS access for RFC 3263; defaults to node:dns. */
  resolver?: SipDnsResolver;
  /** Path MTU; a UDP request within 200 bytes of it goes over TCP instead (18.1.1). Default 1500. */
  pathMtu?: number;
}

export interface TransportLayerStats extends InboundCounters {
  sent: number;
  /** UDP requests moved to TCP because of their size. */
  mtuSwitches: number;
  connections: number;
  queues: ReturnType<InboundProcessor['queueStats']>;
}

export class TransportLayer {
  private readonly transports: SipTransport[] = [];
  /** Read on every received response (18.1.2 check), so kept rather than rebuilt. */
  private readonly points: ListeningPoint[] = [];
  private readonly table: ConnectionTable;
  private readonly inbound: InboundProcessor;
  private readonly logger: Logger;
  private readonly resolver: SipDnsResolver;
  private sent = 0;
  private mtuSwitches = 0;
  private closed = false;

  constructor(private readonly opts: TransportLayerOptions = {}) {
    this.logger = opts.logger ?? silentLogger;
    this.resolver = opts.resolver ?? new NodeDnsResolver();
    this.table = new ConnectionTable(opts);
    this.inbound = new InboundProcessor(this.table, () => this.points, this.logger, opts);
  }

  /** Binds every spec (`udp://127.0.0.1:0` strings or ListenSpec objects). */
  async listen(specs: ReadonlyArray<ListenSpec | string>): Promise<ListeningPoint[]> {
    if (this.closed) throw new SipTransportError('transport layer is closed');
    const points: ListeningPoint[] = [];
    for (const s of specs) {
      const spec = typeof s === 'string' ? parseListenSpec(s) : s;
      // The sink needs its transport and the transport needs its sink: tie them late.
      const holder: { t?: SipTransport } = {};
      const sink = this.inbound.sinkFor(() => holder.t!);
      const transport = createTransport(spec, sink, this.table, this.logger, this.opts);
      holder.t = transport;
      const point = await transport.listen();
      points.push(point);
      this.points.push(point);
      this.transports.push(transport);
    }
    return points;
  }

  /**
   * Sets the one handler for parsed messages (a later call replaces it). A handler that
   * returns a promise keeps its queue slot until it settles, which is what lets the
   * inbound cap measure real backlog.
   */
  onMessage(handler: MessageHandler): void {
    this.inbound.onMessage(handler);
  }

  /**
   * Receives a datagram that another socket on one of our UDP ports took (a worker thread
   * sharing the port through `reusePort` and its `divert` hook), as if our socket on
   * `localPort` had: same received/rport stamping, transactions and answers from our socket.
   * False when no UDP listener of ours has that port (the datagram is dropped).
   */
  injectDatagram(datagram: Buffer, source: DatagramSource): boolean {
    for (const t of this.transports) {
      if (t instanceof UdpTransport && t.listeningPoint.port === source.localPort && t.listeningPoint.host === source.localAddress) {
        t.inject(datagram, source.remoteAddress, source.remotePort);
        return true;
      }
    }
    return false;
  }

  /** RFC 3261 18: everything but UDP guarantees delivery (used by transaction timers). */
  isReliable(protocol: string): boolean {
    return protocol.toLowerCase() !== 'udp';
  }

  listeningPoints(): ListeningPoint[] {
    return this.points.map((p) => ({ ...p }));
  }

  /** `host:port` for our Via sent-by / Contact on this transport (IPv6 bracketed). */
  localHostPort(protocol: TransportProtocol, family?: 4 | 6): string {
    const t = this.transportFor(protocol, family === 6 ? '::1' : family === 4 ? '127.0.0.1' : undefined);
    if (!t) throw new SipTransportError(`no ${protocol} listener to build a Via/Contact from`);
    return formatHostPort(reachableHost(t.listeningPoint), t.listeningPoint.port);
  }

  /**
   * A Contact URI reaching us on this transport: `sips:` for TLS (RFC 5630: no
   * transport=tls), `transport=ws` for both WebSocket flavours as in RFC 7118's examples.
   */
  contactUri(protocol: TransportProtocol, user?: string, family?: 4 | 6): SipUri {
    const [host, port] = splitHostPort(this.localHostPort(protocol, family));
    const transport = protocol === 'tcp' ? 'tcp' : protocol === 'ws' || protocol === 'wss' ? 'ws' : undefined;
    const params: Record<string, string | null> = transport ? { transport } : {};
    return new SipUri({ scheme: protocol === 'tls' ? 'sips' : 'sip', user, host, port, params });
  }

  stats(): TransportLayerStats {
    return {
      ...this.inbound.counters,
      sent: this.sent,
      mtuSwitches: this.mtuSwitches,
      connections: this.table.size,
      queues: this.inbound.queueStats(),
    };
  }

  /**
   * Sends a request, filling the top Via with our sent-by, transport and `rport`.
   * Without a target, the first Route (else the Request-URI) is located per RFC 3263
   * and candidates are tried in order until one accepts the bytes.
   */
  async sendRequest(req: SipRequest, target?: RemoteTarget): Promise<RemoteTarget> {
    const candidates = target ? [target] : await this.locate(req);
    if (candidates.length === 0) {
      throw new SipTransportError(`no address found for ${req.rawUri}`, { target: req.rawUri });
    }
    let last: unknown;
    for (const candidate of candidates) {
      try {
        return await this.sendRequestTo(req, candidate);
      } catch (err) {
        if (!(err instanceof SipTransportError)) throw err;
        last = err;
        this.logger.debug({ err, target: formatTarget(candidate) }, 'send failed; trying next candidate');
      }
    }
    throw last;
  }

  private async sendRequestTo(req: SipRequest, target: RemoteTarget): Promise<RemoteTarget> {
    let dest = { ...target, host: bareHost(target.host) };
    let data = this.stampAndSerialize(req, dest);
    const limit = (this.opts.pathMtu ?? 1500) - 200;
    if (dest.protocol === 'udp' && data.length > limit && this.transportFor('tcp', dest.host)) {
      const viaUdp = dest;
      dest = { ...dest, protocol: 'tcp' };
      this.mtuSwitches++;
      try {
        data = this.stampAndSerialize(req, dest);
        await this.write(dest, data);
        return dest;
      } catch (err) {
        // 18.1.1: a refused or reset TCP attempt made only for size falls back to UDP.
        const code = err instanceof SipTransportError ? err.causeCode : undefined;
        if (code !== 'ECONNREFUSED' && code !== 'ECONNRESET') throw err;
        dest = viaUdp;
        data = this.stampAndSerialize(req, dest);
      }
    }
    await this.write(dest, data);
    return dest;
  }

  private stampAndSerialize(req: SipRequest, dest: RemoteTarget): Buffer {
    const t = this.requireTransport(dest);
    stampOutgoingVia(req, dest.protocol, reachableHost(t.listeningPoint), t.listeningPoint.port);
    return serializeMessage(req);
  }

  private async write(dest: RemoteTarget, data: Buffer): Promise<void> {
    await this.requireTransport(dest).send(data, dest);
    this.sent++;
  }

  private async locate(req: SipRequest): Promise<RemoteTarget[]> {
    const route = req.routes[0];
    const uri = route ? route.uri : req.uri;
    if (!(uri instanceof SipUri)) {
      throw new SipTransportError(`cannot locate a server for non-SIP URI ${uri.toString()}`, { target: uri.toString() });
    }
    const target: TargetUri = { scheme: uri.scheme, host: bareHost(uri.host) };
    if (uri.port !== undefined) target.port = uri.port;
    if (uri.transport !== undefined) target.transport = uri.transport;
    const maddr = uri.param('maddr');
    if (typeof maddr === 'string') target.maddr = bareHost(maddr);
    const supported = [...new Set(this.transports.map((t) => t.protocol))];
    return locateSipServer(target, this.resolver, { supported });
  }

  /**
   * Sends a response per RFC 3261 18.2.2 / RFC 3581: on the request's connection when it
   * is still open, else to received/rport (or maddr, or sent-by resolved per RFC 3263 5).
   */
  async sendResponse(res: SipResponse, source?: ReceivedInfo): Promise<RemoteTarget> {
    const via = res.topVia;
    if (!via) throw new SipTransportError(`response ${res.status} has no Via; cannot route it`);
    const route = routeResponse(via, source);
    const data = serializeMessage(res);
    if (route.connectionId !== undefined) {
      const t = this.transports.find((x) => x.protocol === route.target.protocol && x.sendOnConnection);
      const conn = this.table.get(route.connectionId);
      if (t && conn && (await t.sendOnConnection!(route.connectionId, data).catch(() => false))) {
        this.sent++;
        return { protocol: conn.protocol, host: conn.remoteAddress, port: conn.remotePort };
      }
    }
    const candidates = route.needsResolution
      ? await locateSipServer(
          { scheme: isSecure(route.target.protocol) ? 'sips' : 'sip', host: route.target.host, port: via.port, transport: route.target.protocol },
          this.resolver,
          { supported: [route.target.protocol] },
        )
      : [route.target];
    let last: unknown;
    for (const c of candidates) {
      try {
        await this.requireTransport(c, source?.protocol === c.protocol ? source.localAddress : undefined).send(data, c);
        this.sent++;
        return c;
      } catch (err) {
        if (!(err instanceof SipTransportError)) throw err;
        last = err;
      }
    }
    // Built only on failure: constructing an error per response cost ~7% of a registrar's CPU.
    throw last ?? new SipTransportError(`no address found for Via sent-by ${via.sentBy}`, { target: via.sentBy });
  }

  /**
   * sendResponse without a promise for the common case (a datagram to an IP address):
   * `onError` is called, always asynchronously, only when the send fails. Anything that
   * needs a connection or DNS takes the sendResponse path.
   */
  dispatchResponse(res: SipResponse, source: ReceivedInfo | undefined, onError: (err: unknown) => void, wire?: Buffer, topVia?: Via): void {
    let via;
    try {
      via = topVia ?? res.topVia;
    } catch (err) {
      queueMicrotask(() => onError(err));
      return;
    }
    if (via !== undefined) {
      const route = routeResponse(via, source);
      const target = route.target;
      if (route.connectionId === undefined && !route.needsResolution) {
        const t = this.transportFor(target.protocol, target.host, source?.protocol === target.protocol ? source.localAddress : undefined);
        if (t?.sendNow !== undefined) {
          let data: Buffer;
          try {
            data = wire ?? serializeMessage(res);
          } catch (err) {
            queueMicrotask(() => onError(err));
            return;
          }
          t.sendNow(data, target, (err) => {
            if (err === undefined) this.sent++;
            else onError(err);
          });
          return;
        }
      }
    }
    this.sendResponse(res, source).then(undefined, onError);
  }

  /** Ends every socket, connection and timer; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.inbound.close();
    await Promise.all(this.transports.map((t) => t.close()));
    this.table.closeAll();
  }

  /** True once close() finished and no connection or sweep timer is left. */
  get idle(): boolean {
    return this.closed && this.table.size === 0 && !this.table.timerActive;
  }

  private requireTransport(dest: RemoteTarget, localAddress?: string): SipTransport {
    const t = this.transportFor(dest.protocol, dest.host, localAddress);
    if (!t) {
      throw new SipTransportError(`no ${dest.protocol} transport can reach ${formatTarget(dest)}`, { target: formatTarget(dest) });
    }
    return t;
  }

  /** Same protocol; the bound address wins, then the address family, then any. */
  private transportFor(protocol: TransportProtocol, host?: string, localAddress?: string): SipTransport | undefined {
    // Plain loops: this runs for every response sent, and filter() allocated each time.
    const all = this.transports;
    if (localAddress) {
      for (const t of all) if (t.protocol === protocol && t.listeningPoint.host === localAddress) return t;
    }
    const family = host === undefined ? 0 : isIP(bareHost(host));
    let first: SipTransport | undefined;
    for (const t of all) {
      if (t.protocol !== protocol) continue;
      first ??= t;
      if (isIP(t.listeningPoint.host) === family) return t;
    }
    // A stream transport can dial either family; a UDP socket cannot.
    if (protocol === 'udp') return family === 0 ? first : undefined;
    return first;
  }
}

function splitHostPort(hp: string): [string, number] {
  const idx = hp.lastIndexOf(':');
  return [hp.slice(0, idx), Number(hp.slice(idx + 1))];
}
