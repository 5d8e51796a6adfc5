/**
 * Via handling at the transport edge: our sent-by on the way out (RFC 3261 18.1.1,
 * rport per RFC 3581), received/rport stamping on the way in (18.2.1), the sent-by
 * check on responses (18.1.2), and where a response goes (18.2.2).
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { SipMessage } from '../message/message.js';
import { BRANCH_COOKIE, Via, parseVias } from '../message/via.js';
import type { ListeningPoint, ReceivedInfo, RemoteTarget, TransportProtocol } from './types.js';
import { bareHost, defaultPort, formatHostPort, isReliable, protocolFromToken, viaTransportToken } from './types.js';

/**
 * Replaces the top Via value. A first line holding a comma list is split into one line
 * per value so the rest stay byte-for-byte as they were.
 */
export function replaceTopVia(msg: SipMessage, top: Via): void {
  const first = msg.headers.get('via');
  // Without a comma the first line is one Via: no need to parse it to keep the rest.
  const rest = first === undefined || !first.includes(',') ? [] : parseVias(first).slice(1);
  if (first !== undefined) msg.headers.removeFirst('via');
  for (const v of rest.reverse()) msg.headers.prepend('via', v.toString());
  msg.headers.prepend('via', top.toString());
  msg.invalidate();
}

/** Writes our transport and sent-by into the top Via (adding one if the request has none). */
export function stampOutgoingVia(msg: SipMessage, protocol: TransportProtocol, host: string, port: number): Via {
  const existing = msg.topVia;
  const via = existing ? existing.clone() : new Via(viaTransportToken(protocol), '', undefined);
  via.transport = viaTransportToken(protocol);
  via.host = formatHostPort(host);
  via.port = port;
  if (via.branch === undefined) via.branch = BRANCH_COOKIE + randomBytes(8).toString('hex');
  // Ask for symmetric response routing (RFC 3581 3); harmless to peers that ignore it.
  if (via.rport === undefined) via.rport = null;
  replaceTopVia(msg, via);
  return via;
}

/** RFC 3261 18.2.1 and RFC 3581 4 on a received request. Returns whether it changed. */
export function stampReceivedVia(msg: SipMessage, source: ReceivedInfo): boolean {
  const top = msg.topVia;
  if (!top) return false;
  const rport = top.rport;
  // RFC 3581 4: with rport present, received is added even when the hosts match.
  const stampReceived = rport !== undefined || !sameHost(top.host, source.remoteAddress);
  // The usual request (sent-by is where it came from, no rport) is left as it is: no copy.
  if (!stampReceived) return false;
  const via = top.clone();
  via.received = source.remoteAddress;
  if (rport !== undefined) via.rport = source.remotePort;
  // Only the Via changes: From, To, CSeq... parsed by validation stay parsed.
  msg.replaceTopViaKeepingOthers(via);
  return true;
}

/** bareHost(viaHost) and address equal ignoring case, without building either. */
function sameHost(viaHost: string, address: string): boolean {
  let from = 0;
  let to = viaHost.length;
  if (to >= 2 && viaHost.charCodeAt(0) === 91 && viaHost.charCodeAt(to - 1) === 93) {
    from = 1;
    to--;
  }
  if (to - from !== address.length) return bareHost(viaHost).toLowerCase() === address.toLowerCase();
  for (let i = from; i < to; i++) {
    const a = viaHost.charCodeAt(i);
    const b = address.charCodeAt(i - from);
    if (a === b) continue;
    // Unicode case mappings (a Kelvin sign lower-cases to 'k'): toLowerCase decides.
    if (a >= 128 || b >= 128) return bareHost(viaHost).toLowerCase() === address.toLowerCase();
    const lower = a | 0x20;
    if (lower !== (b | 0x20) || lower < 97 || lower > 122) return false;
  }
  return true;
}

/** RFC 3261 18.1.2: a response whose top Via is not ours must be discarded. */
export function viaMatchesUs(via: Via, points: readonly ListeningPoint[]): boolean {
  const host = bareHost(via.host).toLowerCase();
  const protocol = protocolFromToken(via.transport);
  return points.some((p) => {
    const port = via.port ?? defaultPort(p.protocol);
    if (port !== p.port) return false;
    if (protocol && protocol !== p.protocol) return false;
    const names = [p.host, p.advertisedHost].filter((h): h is string => !!h).map((h) => bareHost(h).toLowerCase());
    // A wildcard bind can be reached under any local address.
    return names.includes(host) || p.host === '0.0.0.0' || p.host === '::';
  });
}

export interface ResponseRoute {
  /** Reuse this connection first (reliable transports, 18.2.2 first bullet). */
  connectionId?: string;
  target: RemoteTarget;
  /** The sent-by host needs RFC 3263 section 5 resolution (not an IP address). */
  needsResolution: boolean;
}

/** Where a response goes, from its top Via and the request's arrival info. */
export function routeResponse(via: Via, source: ReceivedInfo | undefined): ResponseRoute {
  const protocol = protocolFromToken(via.transport) ?? source?.protocol ?? 'udp';
  const sentByHost = bareHost(via.host);
  // RFC 3581 4 applies rport to unreliable transports; a reliable one falls back to a
  // new connection to the sent-by port (the old ephemeral port is gone with its connection).
  const rport = typeof via.rport === 'number' && !isReliable(protocol) ? via.rport : undefined;
  const viaPort = via.port ?? defaultPort(protocol);
  let host: string;
  let port: number;
  if (via.maddr !== undefined) {
    // 18.2.2: maddr names the destination (multicast or not); port from sent-by.
    host = bareHost(via.maddr);
    port = viaPort;
  } else if (via.received !== undefined) {
    host = bareHost(via.received);
    // RFC 3581 4: the source port when rport was filled; otherwise sent-by port.
    port = rport ?? viaPort;
  } else {
    host = sentByHost;
    port = rport ?? viaPort;
  }
  const route: ResponseRoute = { target: { protocol, host, port }, needsResolution: isIP(host) === 0 };
  if (isReliable(protocol) && source?.connectionId !== undefined && via.maddr === undefined) {
    route.connectionId = source.connectionId;
  }
  return route;
}
