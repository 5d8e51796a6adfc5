/** Options and per-thread results of the REGISTER load tool (register-load.ts). */
export interface LoadOptions {
  readonly host: string;
  readonly port: number;
  /** Domain in the Request-URI, To and From (`sip:<user>@<domain>`). */
  readonly domain: string;
  /** Users are `<userPrefix><i>` with password `<passwordPrefix><i>`, i in [0, users). */
  readonly users: number;
  readonly userPrefix: string;
  readonly passwordPrefix: string;
  /** Flows in flight per thread. */
  readonly window: number;
  readonly threads: number;
  /** UDP sockets (source ports) per thread; users are spread over them. */
  readonly sockets: number;
  readonly durationMs: number;
  readonly expires: number;
  /** Which offered challenge to answer: 'first', or an algorithm name ('MD5', 'SHA-256'). */
  readonly algorithm: string;
}

export interface WorkerResult {
  readonly ok: number;
  readonly errors: Readonly<Record<string, number>>;
  readonly retransmits: number;
  /** Flow latencies in ms (REGISTER sent -> 200 received, both round trips). */
  readonly latencies: readonly number[];
  readonly elapsedMs: number;
  /** CPU time this generator thread used during the measurement. */
  readonly cpuMs: number;
}

export interface LoadReport {
  readonly registersPerSecond: number;
  readonly ok: number;
  readonly errors: Readonly<Record<string, number>>;
  readonly errorCount: number;
  readonly retransmits: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number };
  readonly durationMs: number;
  /** Generator CPU per authenticated REGISTER: what one core of this tool can drive is 1000 / it. */
  readonly generatorCpuUsPerRegister: number;
  readonly generatorCapacityPerCore: number;
  readonly options: LoadOptions;
}
