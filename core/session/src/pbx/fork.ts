import type { ContactBinding, Disposable, SessionId, SessionInfo, SipAddress } from '@rvoip/contracts';
import type { PbxContext } from './context.js';
import { codecPreference } from './options.js';
import { isEnded } from './session-watch.js';

export interface ForkRequest {
  readonly callerId: SessionId;
  readonly callId: string;
  readonly from: SipAddress;
  readonly aor: string;
  readonly bindings: readonly ContactBinding[];
  /** The caller's offered codecs, ours only, in its order. */
  readonly codecs: readonly string[];
  /** Max-Forwards for the outbound legs: the inbound value minus one (RFC 3261 16.6 step 3). */
  readonly maxForwards?: number;
  /** Wraps each fork's dial (direct media hands the caller's SDP to the leg dial creates). */
  readonly place?: (dial: () => Promise<SessionInfo>) => Promise<SessionInfo>;
  /**
   * Relay a fork's early media (183 with SDP): the caller gets a 183 too. Anchored, the
   * caller's answer is ours and the fork's audio is bridged to it until the search ends
   * (`bridge`); `prepare` runs first and may make the caller's leg carry the fork's SDP
   * instead (direct media), or refuse (false), in which case the caller only hears 180.
   */
  readonly earlyMedia?: EarlyMediaRelay;
}

export interface EarlyMediaRelay {
  readonly bridge: boolean;
  readonly prepare?: (fork: SessionId) => Promise<boolean>;
}

export type ForkOutcome =
  | { readonly kind: 'answered'; readonly callee: SessionId; readonly contact: string }
  | { readonly kind: 'failed'; readonly code: number; readonly reason: string }
  | { readonly kind: 'cancelled' };

/**
 * RFC 3261 16.7 in short: a 6xx ends the search, otherwise 486 beats the rest, then the
 * lowest final status; forks that timed out or could not be placed count as 480.
 */
export function bestFailure(codes: readonly number[]): { code: number; reason: string } {
  const six = codes.find((c) => c >= 600);
  if (six !== undefined) return { code: six, reason: six === 603 ? 'Decline' : 'Busy Everywhere' };
  if (codes.includes(486)) return { code: 486, reason: 'Busy Here' };
  const useful = codes.filter((c) => c >= 300 && c !== 408 && c !== 487);
  if (useful.length > 0) return { code: Math.min(...useful), reason: 'Call Failed' };
  return { code: 480, reason: 'Temporarily Unavailable' };
}

function failureCode(info: SessionInfo): number {
  const status = info.vars.sipStatus;
  return typeof status === 'number' ? status : 480;
}

/**
 * Rings every contact of the callee in parallel through the session layer (each fork is
 * an outbound session with its own anchored media leg). The first to answer wins and the
 * others are cancelled; the caller hanging up first cancels them all. The caller hears
 * 180 as soon as any fork rings, or 183 with early media (see `ForkRequest.earlyMedia`).
 */
export function forkCall(ctx: PbxContext, req: ForkRequest): Promise<ForkOutcome> {
  return new Promise((resolve) => {
    const forks = new Map<SessionId, string>();
    // Every fork watcher goes at the outcome: later state changes (a resume re-entering
    // 'active') belong to the bridge, not to the search.
    const subs: Disposable[] = [];
    const codes: number[] = [];
    let pending = req.bindings.length;
    let done = false;
    let rang = false;
    /** The fork whose early media the caller hears (one at a time: the caller has one leg). */
    let early: SessionId | undefined;
    /** The 183 to the caller in flight: an answer waits for it, so the 200 repeats the 183's SDP. */
    let relaying: Promise<void> = Promise.resolve();
    let answeredBy: SessionId | undefined;

    const finish = (outcome: ForkOutcome): void => {
      if (done) return;
      done = true;
      // An answer is re-bridged by the caller of forkCall; otherwise the early bridge goes now.
      if (early !== undefined && outcome.kind !== 'answered') void ctx.calls.unbridge(req.callerId);
      callerSub.dispose();
      for (const sub of subs) sub.dispose();
      resolve(outcome);
    };
    const cancelOthers = (except?: SessionId): void => {
      for (const id of forks.keys()) {
        if (id !== except) void ctx.calls.hangup(id, 'cancelled').catch(() => undefined);
      }
    };
    const settleOne = (code: number): void => {
      codes.push(code);
      if (--pending === 0 && !done) finish({ kind: 'failed', ...bestFailure(codes) });
    };

    const callerSub = ctx.watch.on(req.callerId, (c) => {
      if (!isEnded(c.to) || done) return;
      cancelOthers();
      finish({ kind: 'cancelled' });
    });

    for (const binding of req.bindings) {
      const dial = (): Promise<SessionInfo> => ctx.calls.dial({
        to: binding.contact,
        from: req.from,
        codecs: codecPreference(req.codecs),
        timeoutMs: ctx.options.ringTimeoutMs,
        headers: forkHeaders(binding, req.maxForwards),
        vars: { pbxCaller: req.callerId, pbxAor: req.aor },
      });
      void (req.place ? req.place(dial) : dial()).then((info) => {
        forks.set(info.id, binding.contact);
        if (done) {
          void ctx.calls.hangup(info.id, 'cancelled').catch(() => undefined);
          return;
        }
        subs.push(ctx.watch.on(info.id, (c) => {
          if (c.to === 'early-media' && req.earlyMedia && early === undefined && !done) {
            early = info.id;
            rang = true;
            const relay = req.earlyMedia;
            relaying = relayEarlyMedia(ctx, req.callerId, info.id, relay, () => early === info.id && !done && answeredBy === undefined)
              .catch((err: unknown) => {
                ctx.logger.warn({ err, callId: req.callId, contact: binding.contact }, 'pbx could not relay early media');
              });
          } else if (c.to === 'ringing' || c.to === 'early-media') {
            if (!rang && !done) {
              rang = true;
              void ctx.calls.ring(req.callerId).catch(() => undefined);
            }
          } else if (c.to === 'active') {
            if (done || answeredBy !== undefined) {
              if (answeredBy !== info.id) void ctx.calls.hangup(info.id).catch(() => undefined);
              return;
            }
            answeredBy = info.id;
            cancelOthers(info.id);
            void relaying.then(() => finish({ kind: 'answered', callee: info.id, contact: binding.contact }));
          } else if (isEnded(c.to) && c.from !== 'active') {
            if (early === info.id && !done) {
              early = undefined;
              void ctx.calls.unbridge(req.callerId);
            }
            if (!done) settleOne(failureCode(c.session));
          }
        }));
      }, (err: unknown) => {
        ctx.logger.warn({ err, callId: req.callId, contact: binding.contact }, 'pbx fork could not be placed');
        settleOne(480);
      });
    }
  });
}

/**
 * The caller gets 183 with our answer (once; a later early fork only takes over the
 * bridge) and hears the fork's early audio through the anchored legs.
 */
async function relayEarlyMedia(ctx: PbxContext, callerId: SessionId, forkId: SessionId, relay: EarlyMediaRelay, current: () => boolean): Promise<void> {
  if (ctx.sessions.get(callerId)?.state === 'ringing') {
    const ready = relay.prepare ? await relay.prepare(forkId) : true;
    await ctx.calls.ring(callerId, { earlyMedia: ready });
  }
  const now = ctx.sessions.get(callerId);
  if (!relay.bridge || now?.state !== 'early-media' || !current()) return;
  await ctx.calls.bridge(callerId, forkId);
  ctx.logger.info({ caller: callerId, fork: forkId }, 'pbx relaying early media');
}

/**
 * Headers of one fork: Max-Forwards one less than the caller's, and a contact registered
 * through proxies (RFC 3327 Path) gets that Path as its preloaded Route set, so the INVITE
 * goes back through the edge that can reach the phone (RFC 3327 5.3).
 */
function forkHeaders(binding: ContactBinding, maxForwards: number | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (maxForwards !== undefined) headers['Max-Forwards'] = String(maxForwards);
  if (binding.path !== undefined && binding.path.length > 0) headers.Route = binding.path.join(', ');
  return headers;
}
