import type { SipResponse, SipRequest } from '@rvoip/sip';
import type { SessionRecord } from '../registry/session-record.js';
import type { CallContext } from './call-context.js';
import { requireSuccess } from './sip-status.js';

/**
 * RFC 4028 session timers. The negotiated interval and refresher live in session vars
 * (`sessionExpires`, `refresher`), written when the INVITE/2xx is seen; arming happens in
 * the `start-session-timer` action once the call is active. The refresher re-INVITEs at
 * half the interval; the other side sends BYE if no refresh arrived before expiry.
 */
export function recordSessionTimer(r: SessionRecord, msg: SipRequest | SipResponse, weAreUac: boolean): void {
  const se = msg.sessionExpires;
  if (!se) return;
  r.vars.sessionExpires = se.delta;
  // Absent refresher in a 2xx means the UAC refreshes (RFC 4028 7.2 default we apply as UAS too).
  const refresher = se.refresher ?? 'uac';
  r.vars.refresher = (refresher === 'uac') === weAreUac ? 'local' : 'remote';
}

export function armSessionTimer(ctx: CallContext, r: SessionRecord): void {
  const seconds = typeof r.vars.sessionExpires === 'number' ? r.vars.sessionExpires : undefined;
  if (!seconds) return;
  const h = ctx.handles(r.id);
  if (h.sessionTimer) clearTimeout(h.sessionTimer);
  const local = r.vars.refresher === 'local';
  // Refresher: at half the interval. Other side: expiry minus min(32, SE/3) (RFC 4028 10).
  const ms = local ? (seconds * 1000) / 2 : (seconds - Math.min(32, seconds / 3)) * 1000;
  h.sessionTimer = setTimeout(() => {
    void (local ? refresh(ctx, r) : expire(ctx, r));
  }, ms);
  h.sessionTimer.unref();
}

async function refresh(ctx: CallContext, r: SessionRecord): Promise<void> {
  const dialog = ctx.registry.dialogOf(r.id);
  const leg = ctx.registry.mediaOf(r.id);
  if (!dialog || !leg || !ctx.registry.get(r.id)) return;
  try {
    const offer = await leg.createOffer(r.held ? 'sendonly' : 'sendrecv');
    const res = requireSuccess(await dialog.request('INVITE', {
      body: offer, contentType: 'application/sdp',
      headers: [['Session-Expires', `${String(r.vars.sessionExpires)};refresher=uac`], ['Supported', 'timer']],
    }), 'session refresh');
    if (res.body.length > 0) await leg.setRemoteAnswer(res.body.toString());
    armSessionTimer(ctx, r);
  } catch (err) {
    ctx.logger.warn({ err, session: r.id }, 'session refresh failed; ending the call');
    await expire(ctx, r);
  }
}

async function expire(ctx: CallContext, r: SessionRecord): Promise<void> {
  if (!ctx.registry.get(r.id)) return;
  if (!(await ctx.tryFire(r, 'session-expired'))) return;
  await ctx.registry.dialogOf(r.id)?.bye().catch(() => undefined);
  await ctx.tryFire(r, 'bye-done');
}

/** Called when the peer refreshed (re-INVITE/UPDATE): restart the expiry clock. */
export function sessionRefreshed(ctx: CallContext, r: SessionRecord, req: SipRequest): void {
  recordSessionTimer(r, req, false);
  if (r.state === 'active' || r.state === 'on-hold') armSessionTimer(ctx, r);
}
