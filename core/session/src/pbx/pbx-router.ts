import type {
  IncomingRequestInfo, RegistryService, SessionId, SessionInfo, SignalingDecision, SignalingHandler,
} from '@rvoip/contracts';
import { Decision } from '@rvoip/contracts';
import type { UserDirectory } from '../registrar/user-directory.js';
import { BridgedCalls } from './bridged-calls.js';
import type { PbxContext } from './context.js';
import { echoFrames } from './echo.js';
import { RelayLeg, SwitchableLeg } from './direct-media.js';
import type { DirectMediaLegs } from './direct-media.js';
import { forkCall } from './fork.js';
import { offeredCodecs, userOf } from './options.js';
import { isEnded } from './session-watch.js';

export interface PbxRouterDeps {
  readonly registry: RegistryService;
  readonly users: Pick<UserDirectory, 'exists'>;
  /** The domain AORs are stored under (`sip.domain`). */
  readonly domain: string;
  /** Our own SIP address: a contact pointing back at us would fork the call to itself forever. */
  readonly self?: { readonly host: string; readonly port: number };
  /** Present when the PBX runs with direct media (options.media 'direct'). */
  readonly directLegs?: DirectMediaLegs;
}

function pointsAt(contact: string, self: { readonly host: string; readonly port: number }): boolean {
  const m = /^sips?:(?:[^@]+@)?(\[[^\]]+\]|[^:;?>]+)(?::(\d+))?/i.exec(contact);
  if (!m) return false;
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const local = self.host === '0.0.0.0' || self.host === '::' ? ['127.0.0.1', '::1', self.host] : [self.host];
  return local.includes(host) && Number(m[2] ?? 5060) === self.port;
}

/** The INVITE's Max-Forwards, undefined when absent or unreadable (RFC 2543 peers send none). */
export function maxForwardsOf(req: Pick<IncomingRequestInfo, 'headers'>): number | undefined {
  const raw = req.headers['max-forwards']?.[0]?.trim();
  return raw !== undefined && /^\d{1,3}$/.test(raw) ? Number(raw) : undefined;
}

/**
 * The PBX's SignalingHandler. Each inbound INVITE is routed on the user part of its
 * Request-URI: the echo user is answered and hears itself; a user with live bindings is
 * deferred and forked to every contact (first answer bridged, media anchored here); a
 * known user without bindings gets 480, anyone else 404. One log line per decision.
 */
export class PbxRouter implements SignalingHandler {
  readonly bridged: BridgedCalls;

  constructor(private readonly ctx: PbxContext, private readonly deps: PbxRouterDeps) {
    this.bridged = new BridgedCalls(ctx);
  }

  async decide(req: IncomingRequestInfo): Promise<SignalingDecision> {
    const user = userOf(req.requestUri);
    const base = { callId: req.callId, from: req.from.uri, to: req.requestUri, source: `${req.source.address}:${req.source.port}` };
    const log = this.ctx.logger;
    if (!user || !req.sessionId) {
      log.info({ ...base, route: 'reject', code: 404 }, 'pbx call routed');
      return Decision.reject(404, 'Not Found');
    }
    if (user === this.ctx.options.echoUser) {
      this.echo(req.sessionId, req.callId);
      log.info({ ...base, route: 'echo' }, 'pbx call routed');
      return Decision.accept();
    }
    // Routing to a user makes us proxy-like (RFC 3261 16.3 step 3): a request out of hops goes no further.
    const hops = maxForwardsOf(req);
    if (hops === 0) {
      log.info({ ...base, route: 'reject', code: 483, reason: 'Max-Forwards 0' }, 'pbx call routed');
      return Decision.reject(483, 'Too Many Hops');
    }
    const aor = `sip:${user}@${this.deps.domain}`;
    const self = this.deps.self;
    const bindings = (await this.deps.registry.lookup(aor)).filter((b) => !self || !pointsAt(b.contact, self));
    if (bindings.length === 0) {
      const known = await this.deps.users.exists(user);
      const code = known ? 480 : 404;
      log.info({ ...base, aor, route: 'reject', code, reason: known ? 'no binding' : 'unknown user' }, 'pbx call routed');
      return known ? Decision.reject(480, 'Temporarily Unavailable') : Decision.reject(404, 'Not Found');
    }
    const contacts = bindings.map((b) => b.contact);
    log.info({ ...base, aor, route: 'fork', contacts }, 'pbx call routed');
    const callerId = req.sessionId;
    // The decision is applied after decide() returns; routing starts on the next turn.
    setImmediate(() => void this.fork(callerId, req, aor, bindings).catch((err: unknown) => {
      log.error({ err, callId: req.callId }, 'pbx routing failed');
      void this.ctx.calls.reject(callerId, 500, 'Server Internal Error').catch(() => undefined);
    }));
    return Decision.defer({ timeoutMs: this.ctx.options.ringTimeoutMs + 5_000 });
  }

  private async fork(callerId: SessionId, req: IncomingRequestInfo, aor: string, bindings: Parameters<typeof forkCall>[1]['bindings']): Promise<void> {
    const log = this.ctx.logger;
    // Direct media needs the caller's offer to hand on; a late-offer INVITE stays anchored.
    const direct = req.body ? this.deps.directLegs : undefined;
    const offer = req.body ?? '';
    const outcome = await forkCall(this.ctx, {
      callerId, callId: req.callId, aor, bindings,
      from: { uri: req.from.uri, ...(req.from.displayName !== undefined && { displayName: req.from.displayName }) },
      codecs: offeredCodecs(req.body),
      maxForwards: (maxForwardsOf(req) ?? 70) - 1,
      ...(direct && { place: (dial: () => Promise<SessionInfo>) => direct.withOffer(offer, dial) }),
      // Direct media hands the caller the fork's early SDP, which only holds if that fork answers: one contact only.
      ...(direct
        ? bindings.length === 1 && { earlyMedia: { bridge: false, prepare: (fork: SessionId) => this.relayCaller(callerId, fork) } }
        : { earlyMedia: { bridge: true } }),
    });
    if (outcome.kind === 'cancelled') {
      log.info({ callId: req.callId, aor, outcome: 'cancelled by caller' }, 'pbx call ended');
      return;
    }
    if (outcome.kind === 'failed') {
      log.info({ callId: req.callId, aor, outcome: 'failed', code: outcome.code }, 'pbx call ended');
      await this.ctx.calls.reject(callerId, outcome.code, outcome.reason).catch(() => undefined);
      return;
    }
    const media = direct && (await this.relayCaller(callerId, outcome.callee)) ? 'direct' : 'anchored';
    try {
      await this.ctx.calls.answer(callerId);
    } catch (err) {
      log.info({ err, callId: req.callId, aor, outcome: 'caller gone before answer' }, 'pbx call ended');
      await this.ctx.calls.hangup(outcome.callee).catch(() => undefined);
      return;
    }
    await this.bridged.link(callerId, outcome.callee, req.callId);
    const caller = this.ctx.sessions.get(callerId);
    const callee = this.ctx.sessions.get(outcome.callee);
    log.info({
      callId: req.callId, aor, contact: outcome.contact, media, callerCodec: caller?.codec, calleeCodec: callee?.codec,
      transcoding: media === 'anchored' && caller?.codec !== undefined && callee?.codec !== undefined && caller.codec !== callee.codec,
    }, 'pbx call answered');
  }

  /**
   * Direct media: the caller's leg relays the callee leg's SDP from now on (true), or
   * already does (an early 183 switched it). False when the legs are not relay-capable.
   */
  private async relayCaller(callerId: SessionId, calleeId: SessionId): Promise<boolean> {
    const callerLeg = this.ctx.runtime.registry.mediaOf(callerId);
    const calleeLeg = this.ctx.runtime.registry.mediaOf(calleeId);
    if (!(callerLeg instanceof SwitchableLeg) || !(calleeLeg instanceof RelayLeg)) return false;
    if (!callerLeg.relayed) await callerLeg.toRelay(calleeLeg);
    return true;
  }

  private echo(id: SessionId, callId: string): void {
    const started = Date.now();
    let echoing = false;
    const echoed = { frames: 0 };
    const sub = this.ctx.watch.on(id, (c) => {
      // Once only: a resume after hold re-enters 'active' on the same leg.
      if (c.to === 'active' && !echoing) {
        echoing = true;
        const leg = this.ctx.runtime.registry.mediaOf(id);
        if (leg) void echoFrames(leg, echoed).catch(() => undefined);
      } else if (isEnded(c.to)) {
        sub.dispose();
        this.ctx.logger.info({ callId, route: 'echo', reason: c.session.endReason ?? c.cause, echoedFrames: echoed.frames, durationMs: Date.now() - started }, 'pbx call ended');
      }
    });
  }

  dispose(): void {
    this.bridged.dispose();
  }
}
