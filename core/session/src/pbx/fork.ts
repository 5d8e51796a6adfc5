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
  /** Wraps each fork's dial (direct media hands the caller's SDP to the leg dial creates). */
  readonly place?: (dial: () => Promise<SessionInfo>) => Promise<SessionInfo>;
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
 * 180 as soon as any fork rings.
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

    const finish = (outcome: ForkOutcome): void => {
      if (done) return;
      done = true;
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
        vars: { pbxCaller: req.callerId, pbxAor: req.aor },
      });
      void (req.place ? req.place(dial) : dial()).then((info) => {
        forks.set(info.id, binding.contact);
        if (done) {
          void ctx.calls.hangup(info.id, 'cancelled').catch(() => undefined);
          return;
        }
        subs.push(ctx.watch.on(info.id, (c) => {
          if (c.to === 'ringing' || c.to === 'early-media') {
            if (!rang && !done) {
              rang = true;
              void ctx.calls.ring(req.callerId).catch(() => undefined);
            }
          } else if (c.to === 'active') {
            if (done) {
              void ctx.calls.hangup(info.id).catch(() => undefined);
              return;
            }
            cancelOthers(info.id);
            finish({ kind: 'answered', callee: info.id, contact: binding.contact });
          } else if (isEnded(c.to) && c.from !== 'active') {
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
