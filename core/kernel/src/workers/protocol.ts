/**
 * What the main thread and its UDP registrar worker threads (`sip.workers` > 1) exchange.
 * Everything here crosses a thread boundary, so it is plain structured-clone data.
 */
import type { LogLevel, RegistrationChange, ResolvedConfig } from '@rvoip/contracts';
import type { DigestAlgorithm } from '@rvoip/sip';

/** The storage plugin the kernel loaded, so a worker can open its own connection to it. */
export const StoragePluginRef = Symbol.for('rvoip.kernel.StoragePluginRef');

export interface StoragePluginRef {
  readonly id: string;
  readonly version: string;
  /** The plugin's module file (absolute path), imported by the worker. */
  readonly entry: string;
  /** Its options after schema validation (defaults applied). */
  readonly options: Readonly<Record<string, unknown>>;
}

/** The part of RegistrarOverrides that can cross threads (no logger, no clock). */
export interface WorkerRegistrarOverrides {
  readonly aliases?: readonly string[];
  readonly checkDigestUri?: boolean;
  readonly digestAlgorithms?: readonly DigestAlgorithm[];
  readonly defaultExpires?: number;
  readonly minExpires?: number;
  readonly maxExpires?: number;
}

/** A udp:// point the main thread bound (ephemeral ports already resolved). */
export interface WorkerListenPoint {
  readonly host: string;
  readonly port: number;
  readonly advertisedHost?: string;
}

export interface SipWorkerData {
  /** 1..N-1; the main thread is worker 0 in logs and metrics. */
  readonly index: number;
  readonly config: ResolvedConfig;
  readonly logLevel: LogLevel;
  readonly storage: StoragePluginRef;
  readonly listen: readonly WorkerListenPoint[];
  readonly nonceSecret: string | Uint8Array;
  readonly overrides: WorkerRegistrarOverrides;
  /**
   * Float64 counters shared with the main thread, two per thread (index * 2: REGISTER
   * datagrams served, index * 2 + 1: datagrams forwarded to the main thread). Each slot
   * has one writer.
   */
  readonly counters: SharedArrayBuffer;
}

/** A datagram a worker does not serve, for the main thread to process as its own. */
export interface ForwardedDatagram {
  readonly type: 'datagram';
  readonly data: ArrayBuffer;
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export type WorkerToMain =
  | { readonly type: 'ready' }
  | { readonly type: 'change'; readonly change: RegistrationChange }
  | ForwardedDatagram
  | { readonly type: 'stopped' };

export type MainToWorker = { readonly type: 'stop' };

export const COUNTERS_PER_THREAD = 2;
