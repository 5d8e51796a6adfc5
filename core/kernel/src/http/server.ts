import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRvoipError } from '@rvoip/contracts';
import type { Logger } from '@rvoip/contracts';
import { DEFAULT_MAX_BODY_BYTES, parseJsonBody, readBody } from './body.js';
import { HttpError, HttpErrorCode, HttpListenError } from './errors.js';
import { formatHostPort } from './listen.js';
import type { HostPort } from './listen.js';
import type { RouteReply, Router } from './router.js';

export interface AnsweredRequest {
  readonly method: string;
  /** Route pattern, or 'unmatched': bounded, so safe as a metric label. */
  readonly route: string;
  readonly status: number;
  readonly seconds: number;
}

export interface HttpServerOptions {
  readonly router: Router;
  readonly logger: Logger;
  readonly maxBodyBytes?: number;
  /** Called once per answered request (request metrics). */
  readonly onAnswered?: (request: AnsweredRequest) => void;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** Origin-form targets only (`/path?query`): absolute and `*` forms have no use here. */
function splitTarget(target: string | undefined): { path: string; query: URLSearchParams } {
  if (!target || !target.startsWith('/') || target.startsWith('//')) {
    throw new HttpError(400, HttpErrorCode.BadRequest, `request target ${JSON.stringify(target ?? '')} is not an absolute path`);
  }
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: new URLSearchParams() } : { path: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
}

/**
 * node:http front of the operator API: routing, bounded bodies, JSON errors
 * `{ error: { code, message } }`, one debug log line per request, graceful close.
 */
export class HttpServer {
  private readonly server: Server;
  private bound: HostPort | undefined;

  constructor(private readonly options: HttpServerOptions) {
    this.server = createServer((req, res) => void this.handle(req, res));
    // Slow or endless requests must not pin sockets (bodies are discarded, not buffered).
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 15_000;
    this.server.keepAliveTimeout = 5_000;
  }

  /** The bound address once listening (with the OS-chosen port when 0 was asked). */
  get address(): HostPort | undefined {
    return this.bound;
  }

  listen(target: HostPort): Promise<HostPort> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(new HttpListenError(HttpErrorCode.ListenFailed, `http.listen ${formatHostPort(target)}: ${err.message}`, { ...target }, { cause: err }));
      };
      this.server.once('error', onError);
      this.server.listen(target.port, target.host, () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.options.logger.error({ err }, 'HTTP server error'));
        const a = this.server.address() as AddressInfo;
        this.bound = { host: a.address, port: a.port };
        resolve(this.bound);
      });
    });
  }

  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts the rest. */
  async close(graceMs: number): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
    this.bound = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    let route = 'unmatched';
    let path = req.url ?? '';
    let reply: RouteReply;
    try {
      const target = splitTarget(req.url);
      path = target.path;
      const match = this.options.router.match(method, target.path);
      route = match.pattern;
      const body = await readBody(req, this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
      reply = await match.handler({
        method,
        path: target.path,
        params: match.params,
        query: target.query,
        json: () => parseJsonBody(body, req.headers['content-type']),
      });
    } catch (err) {
      reply = this.errorReply(err, method, path);
    }
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      this.options.logger.debug(
        { method, path, route, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10, remote: req.socket.remoteAddress },
        'HTTP request',
      );
      this.options.onAnswered?.({ method, route, status: res.statusCode, seconds });
    });
    write(res, reply);
  }

  private errorReply(err: unknown, method: string, path: string): RouteReply {
    if (err instanceof HttpError) {
      return { status: err.status, json: { error: { code: err.code, message: err.message } }, headers: err.headers };
    }
    // Anything else is our bug or a service failure: logged in full, answered without internals.
    this.options.logger.error({ err, method, path }, 'HTTP handler failed');
    const code = isRvoipError(err) ? err.code : HttpErrorCode.Internal;
    return { status: 500, json: { error: { code, message: `${method} ${path} failed; see the server log` } } };
  }
}

function write(res: ServerResponse, reply: RouteReply): void {
  res.statusCode = reply.status;
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  let body: Buffer | undefined;
  if ('json' in reply) {
    body = Buffer.from(JSON.stringify(reply.json));
    res.setHeader('Content-Type', JSON_TYPE);
  } else if ('text' in reply) {
    body = Buffer.from(reply.text);
    res.setHeader('Content-Type', reply.contentType);
  }
  if (body === undefined) {
    res.end();
    return;
  }
  res.setHeader('Content-Length', body.length);
  res.end(body);
}
