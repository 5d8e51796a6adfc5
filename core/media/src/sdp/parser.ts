/**
 * SDP text -> model. Lenient where real phones are sloppy (LF-only line ends, trailing
 * whitespace, unknown line types) and strict where a mistake would misroute media
 * (malformed o=, c=, m= lines raise `SdpError` naming the line).
 */
import type { SdpAddrType, SdpAttribute, SdpBandwidth, SdpConnection, SdpMedia, SdpSession } from './model.js';
import { SdpError } from './model.js';

function fail(lineNo: number, line: string, why: string): never {
  throw new SdpError('PARSE', `SDP line ${lineNo} "${line}": ${why}`, { line: lineNo });
}

function addrType(v: string, lineNo: number, line: string): SdpAddrType {
  if (v === 'IP4' || v === 'IP6') return v;
  return fail(lineNo, line, `unknown address type ${v}`);
}

function parseConnection(value: string, lineNo: number, line: string): SdpConnection {
  const parts = value.split(/\s+/);
  if (parts.length !== 3) fail(lineNo, line, 'expected "<nettype> <addrtype> <address>"');
  const [netType, at, raw] = parts;
  const type = addrType(at, lineNo, line);
  // Multicast IPv4 carries /ttl[/count]; IPv6 literals contain no '/'.
  const slash = raw.indexOf('/');
  const conn: SdpConnection = { netType, addrType: type, address: slash < 0 ? raw : raw.slice(0, slash) };
  if (slash >= 0) conn.suffix = raw.slice(slash + 1);
  return conn;
}

function parseBandwidth(value: string, lineNo: number, line: string): SdpBandwidth {
  const colon = value.indexOf(':');
  const bw = Number(value.slice(colon + 1));
  if (colon < 1 || !Number.isFinite(bw)) fail(lineNo, line, 'expected "<bwtype>:<bandwidth>"');
  return { type: value.slice(0, colon), value: bw };
}

function parseAttribute(value: string): SdpAttribute {
  const colon = value.indexOf(':');
  return colon < 0 ? { name: value } : { name: value.slice(0, colon), value: value.slice(colon + 1) };
}

function parseMediaLine(value: string, lineNo: number, line: string): SdpMedia {
  const parts = value.split(/\s+/);
  if (parts.length < 3) fail(lineNo, line, 'expected "<media> <port> <proto> <fmt> ..."');
  const [type, portSpec, protocol, ...formats] = parts;
  const m = /^(\d+)(?:\/(\d+))?$/.exec(portSpec);
  if (!m || Number(m[1]) > 65535) fail(lineNo, line, `invalid port ${portSpec}`);
  const media: SdpMedia = {
    type,
    port: Number(m[1]),
    protocol,
    formats,
    connections: [],
    bandwidths: [],
    other: [],
    attributes: [],
  };
  if (m[2] !== undefined) media.numPorts = Number(m[2]);
  return media;
}

export function parseSdp(text: string): SdpSession {
  const lines = text.split(/\r?\n/);
  const session: Partial<SdpSession> & Pick<SdpSession, 'emails' | 'phones' | 'bandwidths' | 'timing' | 'other' | 'attributes' | 'media'> = {
    emails: [],
    phones: [],
    bandwidths: [],
    timing: [],
    other: [],
    attributes: [],
    media: [],
  };
  let media: SdpMedia | undefined;
  lines.forEach((rawLine, idx) => {
    const line = rawLine.trimEnd();
    const lineNo = idx + 1;
    if (line === '') return;
    if (line.length < 2 || line[1] !== '=') fail(lineNo, line, 'expected "<type>=<value>"');
    const type = line[0];
    const value = line.slice(2);
    if (media) {
      switch (type) {
        case 'm': media = parseMediaLine(value, lineNo, line); session.media.push(media); return;
        case 'i': media.information = value; return;
        case 'c': media.connections.push(parseConnection(value, lineNo, line)); return;
        case 'b': media.bandwidths.push(parseBandwidth(value, lineNo, line)); return;
        case 'a': media.attributes.push(parseAttribute(value)); return;
        default: media.other.push({ type, value }); return;
      }
    }
    switch (type) {
      case 'v':
        if (value !== '0') fail(lineNo, line, 'only SDP version 0 exists');
        session.version = 0;
        return;
      case 'o': {
        const p = value.split(/\s+/);
        if (p.length !== 6) fail(lineNo, line, 'expected 6 origin fields');
        session.origin = { username: p[0], sessionId: p[1], sessionVersion: p[2], netType: p[3], addrType: addrType(p[4], lineNo, line), address: p[5] };
        return;
      }
      case 's': session.sessionName = value; return;
      case 'i': session.information = value; return;
      case 'u': session.uri = value; return;
      case 'e': session.emails.push(value); return;
      case 'p': session.phones.push(value); return;
      case 'c': session.connection = parseConnection(value, lineNo, line); return;
      case 'b': session.bandwidths.push(parseBandwidth(value, lineNo, line)); return;
      case 't': {
        const [start, stop] = value.split(/\s+/);
        session.timing.push({ start: start ?? '0', stop: stop ?? '0', repeats: [] });
        return;
      }
      case 'r': {
        const last = session.timing[session.timing.length - 1];
        if (!last) fail(lineNo, line, 'r= before any t=');
        last.repeats.push(value);
        return;
      }
      case 'a': session.attributes.push(parseAttribute(value)); return;
      case 'm': media = parseMediaLine(value, lineNo, line); session.media.push(media); return;
      default: session.other.push({ type, value }); return;
    }
  });
  if (session.version === undefined) throw new SdpError('PARSE', 'SDP has no v= line');
  if (!session.origin) throw new SdpError('PARSE', 'SDP has no o= line');
  if (session.sessionName === undefined) session.sessionName = '-';
  if (session.timing.length === 0) session.timing.push({ start: '0', stop: '0', repeats: [] });
  return session as SdpSession;
}
