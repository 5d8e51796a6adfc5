import type { TransportProtocol } from './registry.js';

/** The validated config with every default applied, as the kernel binds it. */
export const ResolvedConfig = Symbol.for('rvoip.kernel.ResolvedConfig');

export type SipListenUri = `${TransportProtocol}://${string}`;
export type DigestAlgorithmName = 'SHA-512-256' | 'SHA-256' | 'MD5';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** Backstage's habit: a failing plugin either aborts the boot or is reported and skipped. */
export type PluginBootFailurePolicy = 'abort' | 'continue';
export type PluginOptions = Readonly<Record<string, unknown>>;

export interface PluginEntryObject {
  /** Package name, or a path relative to the config file. */
  readonly use: string;
  readonly options?: PluginOptions;
  readonly onBootFailure?: PluginBootFailurePolicy;
  readonly enabled?: boolean;
}

/** `'pkg'`, `['pkg', options]` or `{ use, options, onBootFailure, enabled }`. */
export type PluginEntry = string | readonly [string] | readonly [string, PluginOptions] | PluginEntryObject;

export interface SipUser {
  readonly username: string;
  /** Literal, or a secret reference: `${env:NAME}` / `${file:./path}`. */
  readonly password: string;
}

export interface RvoipConfig {
  readonly sip?: {
    /** e.g. ['udp://0.0.0.0:5060', 'tcp://0.0.0.0:5060', 'wss://0.0.0.0:8443'] */
    readonly listen?: readonly SipListenUri[];
    readonly domain?: string;
    /**
     * Threads serving UDP REGISTERs (default 1). Above 1, every udp:// listen point is bound
     * with SO_REUSEPORT by the main thread and by N-1 registrar worker threads; needs a
     * storage shared across threads (not 'memory').
     */
    readonly workers?: number;
  };
  readonly media?: {
    /** Inclusive RTP port range [min, max]; even ports carry RTP, odd ones RTCP. */
    readonly rtpPorts?: readonly [number, number];
  };
  readonly registrar?: {
    readonly auth?: 'digest' | false;
    readonly realm?: string;
    /** Digest challenges offered, in order (RFC 8760). Default SHA-256 then MD5. */
    readonly digestAlgorithms?: readonly DigestAlgorithmName[];
    /** Bindings one AOR may hold (default 32); more gets 503 Too Many Registered Contacts. */
    readonly maxContacts?: number;
    readonly users?: readonly SipUser[];
  };
  readonly http?: {
    /** "host:port" */
    readonly listen?: string;
  };
  readonly storage?: {
    /** 'memory', 'sqlite', 'postgres', 'redis', or a storage plugin package/path. */
    readonly adapter?: string;
    readonly options?: PluginOptions;
  };
  readonly plugins?: readonly PluginEntry[];
  readonly discovery?: {
    /** Also load installed packages whose package.json declares an `rvoip` field. */
    readonly installed?: boolean;
    /** Local plugin folders (relative to the config file) whose subfolders are plugins. */
    readonly dirs?: readonly string[];
  };
  readonly kernel?: {
    /** Upper bound for each lifecycle hook and each plugin registration. */
    readonly hookTimeoutMs?: number;
    readonly onPluginBootFailure?: PluginBootFailurePolicy;
    /** Per CallEventAdapter: queue bound and per-event timeout. */
    readonly eventQueueSize?: number;
    readonly eventTimeoutMs?: number;
  };
  readonly log?: {
    readonly level?: LogLevel;
  };
}

export interface ResolvedConfig {
  readonly sip: { readonly listen: readonly SipListenUri[]; readonly domain: string; readonly workers: number };
  readonly media: { readonly rtpPorts: readonly [number, number] };
  readonly registrar: {
    readonly auth: 'digest' | false;
    readonly realm?: string;
    readonly digestAlgorithms: readonly DigestAlgorithmName[];
    readonly maxContacts: number;
    readonly users: readonly SipUser[];
  };
  readonly http: { readonly listen?: string };
  readonly storage: { readonly adapter: string; readonly options: PluginOptions };
  readonly plugins: readonly PluginEntry[];
  readonly discovery: { readonly installed: boolean; readonly dirs: readonly string[] };
  readonly kernel: {
    readonly hookTimeoutMs: number;
    readonly onPluginBootFailure: PluginBootFailurePolicy;
    readonly eventQueueSize: number;
    readonly eventTimeoutMs: number;
  };
  readonly log: { readonly level: LogLevel };
  /** Absolute path of the config file, or undefined when running on defaults. */
  readonly configFile?: string;
  /** Directory relative plugin paths and storage paths resolve from. */
  readonly baseDir: string;
}

export type ConfigInput = RvoipConfig | (() => RvoipConfig | Promise<RvoipConfig>);

/** Typed no-op (Vite's habit): gives rvoip.config.ts completion and type errors. */
export function defineConfig(config: RvoipConfig): RvoipConfig;
export function defineConfig(config: () => RvoipConfig | Promise<RvoipConfig>): () => RvoipConfig | Promise<RvoipConfig>;
export function defineConfig(config: ConfigInput): ConfigInput {
  return config;
}
