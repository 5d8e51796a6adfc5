/**
 * Opens a UdpEndpoint of the chosen transport, and resolves a MediaEngine's `udp` option
 * ('auto' = batched when the addon loaded, else dgram with the reason logged once).
 */
import type { Logger } from '@rvoip/contracts';
import { BatchedUdpEndpoint } from './batched-udp.js';
import { DgramEndpoint } from './dgram-endpoint.js';
import { UdpError } from './errors.js';
import { nativeUdpStatus } from './native-addon.js';
import type { UdpEndpoint, UdpTransportKind } from './udp-endpoint.js';

export type UdpTransportOption = UdpTransportKind | 'auto';

/** Binds address:port exclusively; RVOIP_ERR_MEDIA_UDP_BIND (details.errno) on failure. */
export async function openUdpEndpoint(kind: UdpTransportKind, address: string, port: number): Promise<UdpEndpoint> {
  return kind === 'batched' ? BatchedUdpEndpoint.open(address, port) : DgramEndpoint.open(address, port);
}

let fallbackLogged = false;

/**
 * The transport a MediaEngine uses. 'batched' without the addon throws
 * RVOIP_ERR_MEDIA_UDP_ADDON_MISSING, saying why it is missing.
 */
export function resolveUdpTransport(option: UdpTransportOption, logger: Logger): UdpTransportKind {
  if (option === 'dgram') return 'dgram';
  const status = nativeUdpStatus();
  if (status.loaded) return 'batched';
  if (option === 'batched') throw new UdpError('ADDON_MISSING', `MediaEngine udp: 'batched' needs the native addon, but ${status.reason}`, { reason: status.reason });
  if (!fallbackLogged) {
    fallbackLogged = true;
    logger.info({ reason: status.reason }, "MediaEngine udp 'auto': using node:dgram, the batched UDP addon is not available");
  }
  return 'dgram';
}
