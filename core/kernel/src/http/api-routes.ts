import type {
  CallController, CallDirection, CallState, ContactBinding, EndReason, RegistryService, SessionFilter, SessionInfo, SessionManager,
} from '@rvoip/contracts';
import { HttpError, HttpErrorCode } from './errors.js';
import type { RouteRequest, Router } from './router.js';

export const API_PREFIX = '/api/v1';

export interface ApiServices {
  readonly sessions: SessionManager;
  readonly calls: CallController;
  /** Absent when no registrar is bound: /registrations then answers 404. */
  readonly registry: RegistryService | undefined;
}

const CALL_STATES: readonly CallState[] = [
  'idle', 'calling', 'ringing', 'early-media', 'active', 'on-hold', 'resuming', 'transferring', 'terminating', 'terminated', 'failed',
];
const DIRECTIONS: readonly CallDirection[] = ['inbound', 'outbound'];
const END_REASONS: readonly EndReason[] = ['normal', 'busy', 'no-answer', 'rejected', 'cancelled', 'timeout', 'transferred', 'failed'];

const iso = (d: Date | undefined): string | null => d?.toISOString() ?? null;

export function callView(s: SessionInfo): Record<string, unknown> {
  const [from, to] = s.direction === 'outbound' ? [s.local, s.remote] : [s.remote, s.local];
  return {
    id: s.id,
    callId: s.callId,
    direction: s.direction,
    state: s.state,
    from,
    to,
    createdAt: iso(s.createdAt),
    answeredAt: iso(s.answeredAt),
    endedAt: iso(s.endedAt),
    endReason: s.endReason ?? null,
    codec: s.codec ?? null,
    held: s.held,
    conferenceId: s.conferenceId ?? null,
  };
}

export function registrationView(b: ContactBinding, now = Date.now()): Record<string, unknown> {
  return {
    aor: b.aor,
    contact: b.contact,
    expiresAt: b.expiresAt.toISOString(),
    expiresInSeconds: Math.max(0, Math.round((b.expiresAt.getTime() - now) / 1000)),
    q: b.q ?? null,
    userAgent: b.userAgent ?? null,
    instanceId: b.instanceId ?? null,
    regId: b.regId ?? null,
    path: b.path ?? [],
    source: { transport: b.source.transport, address: b.source.address, port: b.source.port },
    callId: b.callId,
    cseq: b.cseq,
  };
}

function oneOf<T extends string>(name: string, value: string | null, allowed: readonly T[]): T | undefined {
  if (value === null) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new HttpError(400, HttpErrorCode.BadRequest, `${name}: got ${JSON.stringify(value)}; expected one of ${allowed.join(', ')}`);
}

function callFilter(req: RouteRequest): SessionFilter {
  const state = oneOf('state', req.query.get('state'), CALL_STATES);
  const direction = oneOf('direction', req.query.get('direction'), DIRECTIONS);
  return { ...(state && { state }), ...(direction && { direction }) };
}

/** DELETE body: nothing, or `{ "reason": <EndReason> }`; any other shape is a 400. */
function hangupReason(req: RouteRequest): EndReason | undefined {
  const body = req.json();
  if (body === undefined) return undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, HttpErrorCode.BadRequest, 'request body must be a JSON object like {"reason":"normal"}');
  }
  const unknown = Object.keys(body).filter((k) => k !== 'reason');
  if (unknown.length > 0) throw new HttpError(400, HttpErrorCode.BadRequest, `request body: unknown field(s) ${unknown.join(', ')}; only "reason" is accepted`);
  const reason = (body as { reason?: unknown }).reason;
  if (reason === undefined) return undefined;
  return oneOf('reason', typeof reason === 'string' ? reason : JSON.stringify(reason), END_REASONS);
}

/** REST view of live calls and registrations under /api/v1. */
export function apiRoutes(router: Router, services: ApiServices): Router {
  const known = (id: string): SessionInfo => {
    const session = services.sessions.get(id);
    if (!session) throw new HttpError(404, HttpErrorCode.CallNotFound, `no call with id ${JSON.stringify(id)}`);
    return session;
  };
  return router
    .get(`${API_PREFIX}/calls`, (req) => {
      const calls = services.sessions.list(callFilter(req)).map(callView);
      return { status: 200, json: { calls, count: calls.length } };
    })
    .get(`${API_PREFIX}/calls/:id`, (req) => ({ status: 200, json: callView(known(req.params.id!)) }))
    .delete(`${API_PREFIX}/calls/:id`, async (req) => {
      // The body is checked before the lookup: a malformed request is a 400 whatever the id.
      const reason = hangupReason(req);
      const { id } = known(req.params.id!);
      await services.calls.hangup(id, reason);
      return { status: 204 };
    })
    .get(`${API_PREFIX}/registrations`, async () => {
      if (!services.registry) throw new HttpError(404, HttpErrorCode.NoRegistrar, 'no registrar on this node (RegistryService is not bound)');
      const now = Date.now();
      const registrations = (await services.registry.list()).map((b) => registrationView(b, now));
      return { status: 200, json: { registrations, count: registrations.length } };
    });
}
