/**
 * The REGISTER request handler (RFC 3261 10.3) for a SipStack: domain check, digest
 * authentication (DigestServer), authorization of the AOR, user directory, then the
 * binding update through DefaultRegistryService, whose storage writes are awaited before
 * the 200 OK (listing every current binding with its expires, plus Date) goes out.
 */
import type { ContactBinding, Logger, RemoteEndpoint } from '@rvoip/contracts';
import { silentLogger } from '@rvoip/contracts';
import type { DigestServer, IncomingRequest, RequestHandler, SipStack } from '@rvoip/sip';
import type { DefaultRegistryService } from './registry-service.js';
import { readRegister, servesRequestUri } from './register-request.js';
import type { UserDirectory } from './user-directory.js';

export interface RegisterHandlerOptions {
  readonly registry: DefaultRegistryService;
  /** Served host names; the first is canonical for AORs (`sip:user@<first>`). */
  readonly domains: readonly string[];
  /** Digest authentication; absent means REGISTERs are accepted unauthenticated. */
  readonly auth?: DigestServer;
  /** When set, an AOR whose user it does not know is answered 404. */
  readonly users?: UserDirectory;
  /** Called once the final response was handed to the transaction (tests, audit logs). */
  readonly onResponded?: (outcome: RegisterOutcome) => void;
  readonly logger?: Logger;
}

export interface RegisterOutcome {
  readonly status: number;
  readonly aor?: string;
  readonly callId: string;
  readonly cseq: number;
  readonly bindings?: readonly ContactBinding[];
}

type Headers = Array<[string, string | number]>;

interface HandlerContext {
  readonly opts: RegisterHandlerOptions;
  readonly domains: readonly string[];
  readonly log: Logger;
}

/** What the handler decided; sent by one function, so no closure is built per REGISTER. */
interface Answer {
  readonly status: number;
  readonly reason?: string;
  readonly headers?: Headers;
  readonly bindings?: readonly ContactBinding[];
  readonly aor?: string;
  /** RFC 3261 8.2.7: challenges go out statelessly; a repeat just gets a new nonce. */
  readonly stateless?: boolean;
}

export function createRegisterHandler(opts: RegisterHandlerOptions): RequestHandler {
  const ctx: HandlerContext = {
    opts,
    domains: opts.domains.map((d) => d.toLowerCase()),
    log: (opts.logger ?? silentLogger).child({ component: 'registrar.sip' }),
  };
  return async (incoming: IncomingRequest): Promise<void> => send(incoming, await decide(incoming, ctx), opts);
}

async function send(incoming: IncomingRequest, a: Answer, opts: RegisterHandlerOptions): Promise<void> {
  const req = incoming.request;
  // Read before answering: a Completed transaction drops the request's parsed values.
  const callId = req.callId;
  const cseq = req.cseq.seq;
  await incoming.respond(a.status, { headers: a.headers ?? [], stateless: a.stateless === true, ...(a.reason === undefined ? {} : { reason: clean(a.reason) }) });
  opts.onResponded?.({
    status: a.status, callId, cseq,
    ...(a.aor === undefined ? {} : { aor: a.aor }), ...(a.bindings === undefined ? {} : { bindings: a.bindings }),
  });
}

async function decide(incoming: IncomingRequest, ctx: HandlerContext): Promise<Answer> {
  const { opts, domains } = ctx;
  const req = incoming.request;
  if (!servesRequestUri(req, domains)) return { status: 404, reason: 'Not Found (domain not served here)' };
  // Step 3 (auth) before reading the bindings: half of all REGISTERs are unauthenticated
  // first attempts that only need a challenge.
  const verdict = opts.auth === undefined ? undefined : await opts.auth.verify(req);
  if (verdict !== undefined && verdict.kind === 'challenge') {
    return { status: verdict.status, reason: verdict.reason, headers: verdict.headers.map((h) => [h.name, h.value]), stateless: true };
  }
  if (verdict !== undefined && verdict.kind !== 'ok') {
    ctx.log.debug({ callId: req.callId, why: verdict.why }, 'REGISTER refused by digest');
    return { status: verdict.status, reason: verdict.reason };
  }
  const source: RemoteEndpoint = { transport: incoming.source.protocol, address: incoming.source.remoteAddress, port: incoming.source.remotePort };
  const limits = opts.registry.limits;
  const read = readRegister(req, { domains, defaultExpires: limits.defaultExpires, source });
  if (!read.ok) return { status: read.status, reason: read.reason };
  // 10.3 step 4: an authenticated user may only change its own AOR.
  if (verdict !== undefined && verdict.username !== read.user) return { status: 403, reason: 'Forbidden (credentials do not match the AOR)' };
  const aor = read.update.aor;
  // With digest the lookup already proved the user exists; only unauthenticated setups ask again.
  if (opts.auth === undefined && opts.users !== undefined && !(await opts.users.exists(read.user))) {
    return { status: 404, reason: 'Not Found (unknown user)', aor };
  }

  const result = await opts.registry.apply(read.update);
  if (!result.ok) {
    const headers: Headers = result.minExpires === undefined ? [] : [['Min-Expires', result.minExpires]];
    return { status: result.code, reason: result.code === 423 ? 'Interval Too Brief' : result.reason, headers, aor };
  }
  const now = Date.now();
  const headers: Headers = result.bindings.map((b) => ['Contact', contactValue(b, now)]);
  if (read.pathSupported && read.update.path !== undefined) headers.push(['Path', read.update.path.join(', ')]);
  if (read.update.contacts.some((c) => c.regId !== undefined)) headers.push(['Require', 'outbound']);
  headers.push(['Date', httpDate(now)]);
  return { status: 200, reason: 'OK', headers, bindings: result.bindings, aor };
}

/** Installs the handler on a stack; returns the function that removes it. */
export function attachRegistrar(stack: SipStack, opts: RegisterHandlerOptions): () => void {
  return stack.onRequest('REGISTER', createRegisterHandler(opts));
}

function contactValue(b: ContactBinding, now: number): string {
  const expires = Math.max(0, Math.round((b.expiresAt.getTime() - now) / 1000));
  let out = `<${b.contact}>;expires=${expires}`;
  if (b.q !== undefined) out += `;q=${formatQ(b.q)}`;
  if (b.instanceId !== undefined) out += `;+sip.instance="${b.instanceId}"`;
  if (b.regId !== undefined) out += `;reg-id=${b.regId}`;
  return out;
}

/** The Date value changes once a second; a busy registrar formats it once a second, not per 200. */
let dateSecond = -1;
let dateText = '';
function httpDate(now: number): string {
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

function formatQ(q: number): string {
  return q === 1 ? '1' : q === 0 ? '0' : String(Math.round(q * 1000) / 1000);
}

function clean(reason: string): string {
  return reason.replace(/[\r\n]+/g, ' ');
}
