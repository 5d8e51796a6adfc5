/** Model -> SDP text in the RFC 8866 line order, CRLF-terminated. */
import type { SdpAttribute, SdpBandwidth, SdpConnection, SdpMedia, SdpSession } from './model.js';

function conn(c: SdpConnection): string {
  return `c=${c.netType} ${c.addrType} ${c.address}${c.suffix !== undefined ? `/${c.suffix}` : ''}`;
}

function bw(b: SdpBandwidth): string {
  return `b=${b.type}:${b.value}`;
}

function attr(a: SdpAttribute): string {
  return a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`;
}

function mediaLines(m: SdpMedia, out: string[]): void {
  const port = m.numPorts !== undefined ? `${m.port}/${m.numPorts}` : `${m.port}`;
  out.push(`m=${m.type} ${port} ${m.protocol}${m.formats.length ? ' ' + m.formats.join(' ') : ''}`);
  if (m.information !== undefined) out.push(`i=${m.information}`);
  for (const c of m.connections) out.push(conn(c));
  for (const b of m.bandwidths) out.push(bw(b));
  for (const o of m.other) out.push(`${o.type}=${o.value}`);
  for (const a of m.attributes) out.push(attr(a));
}

export function serializeSdp(s: SdpSession): string {
  const o = s.origin;
  const out: string[] = [
    `v=${s.version}`,
    `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`,
    `s=${s.sessionName}`,
  ];
  if (s.information !== undefined) out.push(`i=${s.information}`);
  if (s.uri !== undefined) out.push(`u=${s.uri}`);
  for (const e of s.emails) out.push(`e=${e}`);
  for (const p of s.phones) out.push(`p=${p}`);
  if (s.connection) out.push(conn(s.connection));
  for (const b of s.bandwidths) out.push(bw(b));
  for (const t of s.timing) {
    out.push(`t=${t.start} ${t.stop}`);
    for (const r of t.repeats) out.push(`r=${r}`);
  }
  for (const x of s.other) out.push(`${x.type}=${x.value}`);
  for (const a of s.attributes) out.push(attr(a));
  for (const m of s.media) mediaLines(m, out);
  return out.join('\r\n') + '\r\n';
}
