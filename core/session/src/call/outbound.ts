import type { DialOptions } from '@rvoip/contracts';
import type { HeaderList, UaDialog } from '../ports.js';
import type { SessionRecord } from '../registry/session-record.js';
import type { CallContext } from './call-context.js';
import { endIfAlreadyOver, wireDialog } from './in-dialog.js';
import { attachLeg, localFrom, newRecord } from './new-session.js';
import { endReasonFor, hasOptionTag, statusOf, SUPPORTED } from './sip-status.js';

export interface PlaceCallOptions extends DialOptions {
  /** Extra headers in list form (e.g. Replaces, Referred-By), merged after `headers`. */
  readonly extraHeaders?: HeaderList;
}

/**
 * Places a call: media leg and offer first, then the INVITE. Resolves as soon as the
 * INVITE is on its way; answer, rejection and cancellation arrive as state changes.
 */
export async function placeCall(ctx: CallContext, options: PlaceCallOptions): Promise<SessionRecord> {
  const local = options.from ?? { uri: ctx.settings.localUri, ...(ctx.settings.displayName && { displayName: ctx.settings.displayName }) };
  const r = newRecord('outbound', local, { uri: options.to }, '', options.vars);
  ctx.registry.add(r);
  const h = ctx.handles(r.id);
  try {
    const leg = await attachLeg(ctx, r, options.codecs);
    const offer = await leg.createOffer('sendrecv');
    await ctx.fire(r, 'dial');
    const headers: HeaderList = [
      ['Supported', `${SUPPORTED}, 100rel`],
      ['Session-Expires', `${ctx.settings.sessionExpires};refresher=uac`],
      ...Object.entries(options.headers ?? {}), ...(options.extraHeaders ?? []),
    ];
    const out = ctx.ua.invite({
      to: options.to,
      from: options.from ? (options.from.displayName ? `"${options.from.displayName}" <${options.from.uri}>` : `<${options.from.uri}>`) : localFrom(ctx),
      body: offer, contentType: 'application/sdp', headers,
      ...(ctx.settings.credentials && { credentials: { ...ctx.settings.credentials } }),
    });
    h.outgoing = out;
    ctx.registry.setCallId(r.id, out.request.callId);
    let earlyApplied = false;
    let lastRseq = -1;
    out.onProvisional((res, early) => {
      void (async () => {
        if (res.status === 100) return;
        // RFC 3262: a reliable provisional (Require: 100rel + RSeq) is acknowledged with PRACK
        // once per RSeq; retransmissions of one we already PRACKed are ignored.
        const rseq = res.rseq;
        if (rseq !== undefined && hasOptionTag(res.require, '100rel')) {
          if (rseq <= lastRseq) return;
          lastRseq = rseq;
          if (early) {
            void early.request('PRACK', { headers: [['RAck', `${rseq} ${res.cseq.seq} ${res.cseq.method}`]] })
              .catch((err: unknown) => ctx.logger.warn({ err, session: r.id }, 'PRACK failed'));
          }
        }
        if (res.body.length > 0 && !earlyApplied) {
          earlyApplied = true;
          await leg.setRemoteAnswer(res.body.toString());
          await ctx.tryFire(r, 'early-media', `${res.status} ${res.reason}`);
        } else {
          await ctx.tryFire(r, 'provisional', `${res.status} ${res.reason}`);
        }
      })().catch((err: unknown) => ctx.logger.warn({ err, session: r.id }, 'provisional handling failed'));
    });
    if (options.timeoutMs) {
      const timer = setTimeout(() => {
        if (r.state === 'calling' || r.state === 'ringing' || r.state === 'early-media') {
          ctx.setEndReason(r, 'no-answer');
          r.vars.sipStatus = 408;
          void cancelOutbound(ctx, r).catch(() => undefined);
        }
      }, options.timeoutMs);
      timer.unref();
      void h.ended.then(() => clearTimeout(timer));
    }
    void out.answered.then(
      (dialog) => onAnswered(ctx, r, dialog, earlyApplied),
      (err: unknown) => onFailed(ctx, r, err),
    ).catch((err: unknown) => ctx.logger.error({ err, session: r.id }, 'outbound call handling failed'));
    return r;
  } catch (err) {
    await ctx.tryFire(r, 'error', err instanceof Error ? err.message : String(err));
    if (ctx.registry.get(r.id)) ctx.registry.remove(r.id);
    throw err;
  }
}

async function onAnswered(ctx: CallContext, r: SessionRecord, dialog: UaDialog, earlyApplied: boolean): Promise<void> {
  ctx.registry.attachDialog(r.id, dialog);
  r.sipCode = 200;
  r.remote = { uri: dialog.remoteUri };
  const leg = ctx.registry.mediaOf(r.id);
  const sdp = dialog.remoteDescription.toString();
  if (leg && sdp && !earlyApplied) await leg.setRemoteAnswer(sdp);
  else if (leg && sdp && earlyApplied) await leg.setRemoteAnswer(sdp).catch(() => undefined);
  if (r.state === 'terminating') {
    // We cancelled but the 2xx won the race (RFC 3261 9.1): confirm, then BYE at once.
    await ctx.tryFire(r, 'answered');
    await dialog.bye().catch(() => undefined);
    await ctx.tryFire(r, 'bye-done');
    return;
  }
  // The 2xx is not visible through the dialog, so we act as refresher for what we offered.
  r.vars.sessionExpires = ctx.settings.sessionExpires;
  r.vars.refresher = 'local';
  wireDialog(ctx, r, dialog);
  await ctx.fire(r, 'answered', '200 OK');
  await endIfAlreadyOver(ctx, r, dialog);
}

async function onFailed(ctx: CallContext, r: SessionRecord, err: unknown): Promise<void> {
  const { status, reason } = statusOf(err);
  r.sipCode = status;
  r.vars.sipStatus ??= status;
  r.vars.sipReason ??= reason;
  if (r.state === 'terminating') {
    ctx.setEndReason(r, 'cancelled');
    await ctx.tryFire(r, 'cancelled', `${status} ${reason}`);
    return;
  }
  ctx.setEndReason(r, endReasonFor(status));
  await ctx.tryFire(r, 'rejected', `${status} ${reason}`);
}

/** CANCEL for a call not yet answered; the 487 (or a racing 2xx) finishes the session. */
export async function cancelOutbound(ctx: CallContext, r: SessionRecord): Promise<void> {
  const h = ctx.handles(r.id);
  ctx.setEndReason(r, 'cancelled');
  await ctx.fire(r, 'cancel');
  await h.outgoing?.cancel();
}
