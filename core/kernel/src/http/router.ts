import { HttpError, HttpErrorCode } from './errors.js';

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The body parsed as JSON; undefined when empty. Throws HttpError 400/415 on bad input. */
  json(): unknown;
}

/** What a handler answers: a JSON value, a text body, or nothing (e.g. 204). */
export type RouteReply =
  | { readonly status: number; readonly json: unknown; readonly headers?: Readonly<Record<string, string>> }
  | { readonly status: number; readonly text: string; readonly contentType: string; readonly headers?: Readonly<Record<string, string>> }
  | { readonly status: number; readonly headers?: Readonly<Record<string, string>> };

export type RouteHandler = (req: RouteRequest) => RouteReply | Promise<RouteReply>;

export interface RouteMatch {
  /** The pattern, e.g. `/api/v1/calls/:id`: a bounded label for logs and metrics. */
  readonly pattern: string;
  readonly handler: RouteHandler;
  readonly params: Readonly<Record<string, string>>;
}

interface Route {
  readonly method: RouteMethod;
  readonly pattern: string;
  readonly segments: readonly string[];
  readonly handler: RouteHandler;
}

function split(path: string): string[] {
  return path.split('/').slice(1);
}

/**
 * Method + path-pattern table (`:name` matches one non-empty segment). A path that exists
 * under other methods answers 405 with `Allow`; HEAD is served by the GET route.
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: RouteMethod, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method, pattern, segments: split(pattern), handler });
    return this;
  }

  get(pattern: string, handler: RouteHandler): this {
    return this.add('GET', pattern, handler);
  }

  delete(pattern: string, handler: RouteHandler): this {
    return this.add('DELETE', pattern, handler);
  }

  match(method: string, path: string): RouteMatch {
    const wanted = method === 'HEAD' ? 'GET' : method;
    const segments = split(path);
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      if (route.method === wanted) return { pattern: route.pattern, handler: route.handler, params };
      allowed.add(route.method);
      if (route.method === 'GET') allowed.add('HEAD');
    }
    if (allowed.size > 0) {
      const allow = [...allowed].join(', ');
      throw new HttpError(405, HttpErrorCode.MethodNotAllowed, `${method} is not allowed on ${path}; allowed: ${allow}`, { Allow: allow });
    }
    throw new HttpError(404, HttpErrorCode.NotFound, `no resource at ${path}`);
  }
}

function matchSegments(pattern: readonly string[], actual: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const a = actual[i]!;
    if (p.startsWith(':')) {
      if (a === '') return undefined;
      params[p.slice(1)] = decodeSegment(a);
    } else if (p !== a) {
      return undefined;
    }
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, HttpErrorCode.BadRequest, `path segment "${segment}" is not valid percent-encoding`);
  }
}
