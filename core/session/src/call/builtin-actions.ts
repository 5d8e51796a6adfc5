import type { EndReason, StateActionParams } from '@rvoip/contracts';
import type { MediaDirection } from '../ports.js';
import type { SessionRecord } from '../registry/session-record.js';
import type { BuiltinAction } from '../state/vocabulary.js';
import type { CallContext } from './call-context.js';
import { armSessionTimer } from './session-timer.js';
import { holdDirection } from './sdp-direction.js';

const DIRECTIONS: readonly MediaDirection[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
const END_REASONS: readonly EndReason[] = ['normal', 'busy', 'no-answer', 'rejected', 'cancelled', 'timeout', 'transferred', 'failed'];

/** The actions the session layer executes itself, keyed by their state-table names. */
export const builtinActions: Record<BuiltinAction, (ctx: CallContext, r: SessionRecord, params: StateActionParams) => Promise<void> | void> = {
  'start-media': (ctx, r) => {
    const leg = ctx.registry.mediaOf(r.id);
    if (leg?.codec) r.codec = leg.codec;
    const h = ctx.handles(r.id);
    const every = ctx.settings.mediaStatsIntervalMs;
    if (leg && every > 0 && !h.statsTimer) {
      h.statsTimer = setInterval(() => ctx.events.mediaStats(r.id, leg.stats()), every);
      h.statsTimer.unref();
    }
  },
  'stop-media': async (ctx, r) => {
    const h = ctx.handles(r.id);
    if (h.statsTimer) clearInterval(h.statsTimer);
    delete h.statsTimer;
    const leg = ctx.registry.mediaOf(r.id);
    if (!leg) return;
    // Stats are taken before close so the CDR and the last media-stats event carry them.
    const stats = leg.stats();
    ctx.events.mediaStats(r.id, stats);
    ctx.handles(r.id).finalStats = stats;
    await leg.close();
  },
  'set-media-direction': (ctx, r, params) => {
    const d = params.direction;
    const direction = DIRECTIONS.find((x) => x === d) ?? 'sendrecv';
    ctx.registry.mediaOf(r.id)?.setDirection(direction);
  },
  'sync-media-direction': (ctx, r) => {
    ctx.registry.mediaOf(r.id)?.setDirection(holdDirection(r.held, r.remoteHeld));
  },
  'mark-answered': (_ctx, r) => {
    r.answeredAt ??= new Date();
  },
  'start-session-timer': (ctx, r) => {
    armSessionTimer(ctx, r);
  },
  'set-end-reason': (ctx, r, params) => {
    const reason = END_REASONS.find((x) => x === params.reason);
    if (reason) ctx.setEndReason(r, reason);
  },
  'end-call': (ctx, r) => {
    const h = ctx.handles(r.id);
    if (h.sessionTimer) clearTimeout(h.sessionTimer);
    if (h.deferTimer) clearTimeout(h.deferTimer);
    if (h.statsTimer) clearInterval(h.statsTimer);
    r.endedAt ??= new Date();
    r.endReason ??= r.state === 'failed' ? 'failed' : 'normal';
    ctx.events.callEnded(r, h.finalStats);
    h.resolveEnded();
  },
};
