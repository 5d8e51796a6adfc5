/**
 * Loads the optional batched-UDP addon (core/media/native/rvoip_udp.c), once. It is built
 * at `npm install` when the machine can (Linux, a C compiler, node-gyp); when it is not,
 * `nativeUdpStatus()` says why, so 'auto' can fall back to node:dgram and log the reason,
 * and 'batched' can fail with it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The addon's functions; numbers < 0 are negative errno values. */
export interface NativeUdpAddon {
  setup(onBatch: (count: number) => void): { data: ArrayBuffer; meta: ArrayBuffer; slotSize: number; slots: number };
  open(family: 4 | 6, address: string, port: number): number;
  localPort(id: number): number;
  connect(id: number, port: number, address: string): number;
  disconnect(id: number): number;
  setDest(id: number, port: number, address: string): number;
  send(id: number, packet: Uint8Array, toDest: boolean): number;
  sendNow(id: number, packet: Uint8Array, toDest: boolean): number;
  flush(): void;
  close(id: number): number;
  sourceAddress(entry: number): string;
  counters(): number[];
}

export type NativeUdpStatus = { loaded: true; addon: NativeUdpAddon; path: string } | { loaded: false; reason: string };

// src/udp and dist/udp sit at the same depth under core/media.
const BUILD = fileURLToPath(new URL('../../native/build/', import.meta.url));
const ADDON = `${BUILD}Release/rvoip_udp.node`;

let status: NativeUdpStatus | undefined;

function load(): NativeUdpStatus {
  if (process.platform !== 'linux') return { loaded: false, reason: `the batched UDP addon needs Linux (recvmmsg/sendmmsg), this is ${process.platform}` };
  if (!existsSync(ADDON)) {
    const marker = `${BUILD}BUILD_FAILED`;
    const why = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : 'it was never built (run `node core/media/native/build.mjs`, or npm install)';
    return { loaded: false, reason: `the batched UDP addon did not build: ${why}` };
  }
  try {
    return { loaded: true, addon: createRequire(import.meta.url)(ADDON) as NativeUdpAddon, path: ADDON };
  } catch (err) {
    return { loaded: false, reason: `the batched UDP addon at ${ADDON} did not load: ${(err as Error).message}` };
  }
}

export function nativeUdpStatus(): NativeUdpStatus {
  return (status ??= load());
}
