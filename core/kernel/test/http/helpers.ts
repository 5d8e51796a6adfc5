/**
 * HTTP-side helpers for the operator endpoint tests: a plain node:http client (no pooling,
 * so a closing server is never kept waiting), a Prometheus text reader, and a session-state
 * waiter over a kernel's SessionManager.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { SessionManager } from '@rvoip/contracts';
import type { CallState, SessionId } from '@rvoip/contracts';
import { HttpService } from '@rvoip/kernel';
import type { Kernel } from '@rvoip/kernel';

export interface HttpResult {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  json(): unknown;
}

export interface RequestOptions {
  readonly body?: string | Buffer;
  readonly headers?: OutgoingHttpHeaders;
  /** Sent one by one without Content-Length (chunked transfer encoding). */
  readonly chunks?: readonly Buffer[];
}

export function request(base: string, method: string, path: string, options: RequestOptions = {}): Promise<HttpResult> {
  const url = new URL(base);
  // Node sends DELETE bodies unframed unless told: give every body explicit framing.
  const framing: OutgoingHttpHeaders = options.chunks
    ? { 'transfer-encoding': 'chunked' }
    : options.body === undefined ? {} : { 'content-length': Buffer.byteLength(options.body) };
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, agent: false, headers: { ...framing, ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as unknown });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.chunks) {
      for (const c of options.chunks) req.write(c);
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

/** The bound `http://host:port` of a started kernel's endpoint. */
export function baseUrl(kernel: Kernel): string {
  const url = kernel.get(HttpService).url;
  if (!url) throw new Error('the kernel has no HTTP endpoint listening');
  return url;
}

/** The value of one sample in Prometheus text: `name` with at least the given labels. */
export function sample(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/** `# TYPE` of a metric family, e.g. 'counter'. */
export function metricType(text: string, name: string): string | undefined {
  return new RegExp(`^# TYPE ${name} (\\w+)$`, 'm').exec(text)?.[1];
}

/** Resolves with the session id once a session (or the given one) reaches `state`. */
export function reach(kernel: Kernel, state: CallState, id?: SessionId): Promise<SessionId> {
  const sessions = kernel.get<SessionManager>(SessionManager);
  return new Promise((resolve) => {
    const sub = sessions.onStateChange((c) => {
      if (c.to === state && (!id || c.session.id === id)) {
        sub.dispose();
        resolve(c.session.id);
      }
    });
  });
}

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
