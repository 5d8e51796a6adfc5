/**
 * RFC 3263 server location: NAPTR -> SRV -> A/AAAA, with numeric hosts and explicit
 * ports short-circuiting the lookups. DNS access goes through `SipDnsResolver` so the
 * selection logic is tested with a fake and deployments can plug in a caching resolver.
 */
import { isIP } from 'node:net';
import { Resolver, lookup } from 'node:dns/promises';
import type { RemoteTarget, TransportProtocol } from './types.js';
import { defaultPort, isSecure } from './types.js';

export interface NaptrAnswer {
  flags: string;
  service: string;
  regexp: string;
  replacement: string;
  order: number;
  preference: number;
}

export interface SrvAnswer {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

export interface AddressAnswer {
  address: string;
  family: 4 | 6;
}

/** Empty arrays mean "no such record"; only real failures should throw. */
export interface SipDnsResolver {
  naptr(name: string): Promise<NaptrAnswer[]>;
  srv(name: string): Promise<SrvAnswer[]>;
  addresses(host: string): Promise<AddressAnswer[]>;
}

/** The parts of a SIP/SIPS URI that server location looks at. */
export interface TargetUri {
  scheme: 'sip' | 'sips';
  host: string;
  port?: number;
  transport?: string;
  maddr?: string;
}

/** NAPTR service fields (RFC 3263 4.1, RFC 7118 for WebSocket). */
const NAPTR_SERVICES: Readonly<Record<string, TransportProtocol>> = {
  'sip+d2u': 'udp',
  'sip+d2t': 'tcp',
  'sips+d2t': 'tls',
  'sip+d2w': 'ws',
  'sips+d2w': 'wss',
};

const SRV_PREFIX: Readonly<Record<TransportProtocol, string>> = {
  udp: '_sip._udp.',
  tcp: '_sip._tcp.',
  tls: '_sips._tcp.',
  ws: '_sip._ws.',
  wss: '_sips._ws.',
};

const NO_RECORD = new Set(['ENOTFOUND', 'ENODATA', 'ENONAME', 'NXDOMAIN', 'ESERVFAIL', 'ENOTIMP', 'EREFUSED']);

function isNoRecord(err: unknown): boolean {
  return !!err && typeof err === 'object' && 'code' in err && NO_RECORD.has(String((err as { code: unknown }).code));
}

/** node:dns backed resolver (system resolv.conf for NAPTR/SRV, getaddrinfo for A/AAAA). */
export class NodeDnsResolver implements SipDnsResolver {
  private readonly resolver = new Resolver();

  async naptr(name: string): Promise<NaptrAnswer[]> {
    try {
      return await this.resolver.resolveNaptr(name);
    } catch (err) {
      if (isNoRecord(err)) return [];
      throw err;
    }
  }

  async srv(name: string): Promise<SrvAnswer[]> {
    try {
      return await this.resolver.resolveSrv(name);
    } catch (err) {
      if (isNoRecord(err)) return [];
      throw err;
    }
  }

  async addresses(host: string): Promise<AddressAnswer[]> {
    try {
      const all = await lookup(host, { all: true });
      return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
    } catch (err) {
      if (isNoRecord(err)) return [];
      throw err;
    }
  }
}

export interface LocateOptions {
  /** Transports we can actually send on, in our order of preference. */
  supported: readonly TransportProtocol[];
  /** Weighted SRV selection draws from this (RFC 2782); injectable for tests. */
  random?: () => number;
}

/**
 * Ordered candidate targets for a URI. The caller tries them in order, moving on when a
 * transport error occurs (RFC 3263 4.3).
 */
export async function locateSipServer(
  uri: TargetUri,
  resolver: SipDnsResolver,
  opts: LocateOptions,
): Promise<RemoteTarget[]> {
  const host = uri.maddr ?? uri.host;
  // RFC 6761: .invalid never resolves (WebSocket clients use it in Via and Contact).
  if (/\.invalid\.?$/i.test(host)) return [];
  const targets = await locate(uri, resolver, opts);
  if (isIP(uri.host) !== 0) return targets;
  // RFC 5922 4.1: a TLS peer found through DNS must present a certificate for the SIP
  // domain of the URI, not for the address we dial.
  return targets.map((t) => (isSecure(t.protocol) ? { ...t, serverName: uri.host } : t));
}

async function locate(uri: TargetUri, resolver: SipDnsResolver, opts: LocateOptions): Promise<RemoteTarget[]> {
  const secure = uri.scheme === 'sips';
  const host = uri.maddr ?? uri.host;
  const allowed = opts.supported.filter((p) => !secure || isSecure(p));
  const explicit = explicitTransport(uri.transport, secure);
  const numeric = isIP(host) !== 0;

  // 4.1: a numeric host or an explicit port means no NAPTR/SRV; the transport then
  // defaults by scheme (UDP for sip, TLS for sips) unless the URI names one.
  if (numeric || uri.port !== undefined) {
    const protocol = explicit ?? (secure ? 'tls' : 'udp');
    const port = uri.port ?? defaultPort(protocol);
    if (numeric) return [{ protocol, host, port }];
    return toTargets(await resolver.addresses(host), protocol, port);
  }

  // 4.2: a named transport skips NAPTR but still asks SRV for that transport.
  if (explicit) {
    const srv = await resolver.srv(SRV_PREFIX[explicit] + host);
    if (srv.length > 0) return expandSrv(srv, explicit, resolver, opts.random ?? Math.random);
    return toTargets(await resolver.addresses(host), explicit, defaultPort(explicit));
  }

  const fromNaptr = await viaNaptr(host, resolver, allowed, opts);
  if (fromNaptr.length > 0) return fromNaptr;

  for (const protocol of srvOrder(allowed, secure)) {
    const srv = await resolver.srv(SRV_PREFIX[protocol] + host);
    if (srv.length > 0) return expandSrv(srv, protocol, resolver, opts.random ?? Math.random);
  }

  const protocol: TransportProtocol = secure ? 'tls' : 'udp';
  return toTargets(await resolver.addresses(host), protocol, defaultPort(protocol));
}

function explicitTransport(param: string | undefined, secure: boolean): TransportProtocol | undefined {
  if (param === undefined) return undefined;
  const t = param.toLowerCase();
  // sips with transport=tcp means TLS over TCP (RFC 3261 26.2.2 / RFC 5630).
  if (t === 'tcp' || t === 'tls') return secure || t === 'tls' ? 'tls' : 'tcp';
  if (t === 'ws' || t === 'wss') return secure || t === 'wss' ? 'wss' : 'ws';
  if (t === 'udp') return 'udp';
  return undefined;
}

function srvOrder(allowed: readonly TransportProtocol[], secure: boolean): TransportProtocol[] {
  return secure ? allowed.filter((p) => p === 'tls') : allowed.filter((p) => p === 'udp' || p === 'tcp' || p === 'tls');
}

async function viaNaptr(
  host: string,
  resolver: SipDnsResolver,
  allowed: readonly TransportProtocol[],
  opts: LocateOptions,
): Promise<RemoteTarget[]> {
  const records = (await resolver.naptr(host))
    .filter((r) => r.flags.toLowerCase() === 's')
    .map((r) => ({ r, protocol: NAPTR_SERVICES[r.service.toLowerCase()] }))
    .filter((x): x is { r: NaptrAnswer; protocol: TransportProtocol } => !!x.protocol && allowed.includes(x.protocol))
    .sort((a, b) => a.r.order - b.r.order || a.r.preference - b.r.preference);
  for (const { r, protocol } of records) {
    const srv = await resolver.srv(r.replacement);
    if (srv.length === 0) continue;
    const targets = await expandSrv(srv, protocol, resolver, opts.random ?? Math.random);
    if (targets.length > 0) return targets;
  }
  return [];
}

/** RFC 2782 ordering: ascending priority, weighted random within a priority. */
export function orderSrv(records: readonly SrvAnswer[], random: () => number): SrvAnswer[] {
  const byPriority = new Map<number, SrvAnswer[]>();
  for (const r of records) {
    if (r.name === '.' || r.name === '') continue; // "service not available here"
    const list = byPriority.get(r.priority) ?? [];
    list.push(r);
    byPriority.set(r.priority, list);
  }
  const out: SrvAnswer[] = [];
  for (const prio of [...byPriority.keys()].sort((a, b) => a - b)) {
    // Zero-weight entries go first so they have a small chance to be picked (RFC 2782).
    const pool = byPriority.get(prio)!.slice().sort((a, b) => a.weight - b.weight);
    while (pool.length > 0) {
      const total = pool.reduce((s, r) => s + r.weight, 0);
      const pick = random() * (total + 1);
      let acc = 0;
      let idx = pool.findIndex((r) => (acc += r.weight) >= pick);
      if (idx < 0) idx = pool.length - 1;
      out.push(pool.splice(idx, 1)[0]!);
    }
  }
  return out;
}

async function expandSrv(
  records: readonly SrvAnswer[],
  protocol: TransportProtocol,
  resolver: SipDnsResolver,
  random: () => number,
): Promise<RemoteTarget[]> {
  const out: RemoteTarget[] = [];
  for (const r of orderSrv(records, random)) {
    const name = r.name.endsWith('.') ? r.name.slice(0, -1) : r.name;
    const addrs = isIP(name) ? [{ address: name, family: isIP(name) === 6 ? 6 : 4 } as AddressAnswer] : await resolver.addresses(name);
    out.push(...toTargets(addrs, protocol, r.port));
  }
  return out;
}

function toTargets(addrs: readonly AddressAnswer[], protocol: TransportProtocol, port: number): RemoteTarget[] {
  return addrs.map((a) => ({ protocol, host: a.address, port }));
}
