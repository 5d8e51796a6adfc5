import type { UaDialog, UaIncomingRequest } from '../ports.js';
import type { SessionRecord } from '../registry/session-record.js';
import type { CallContext } from './call-context.js';
import { parseDtmfInfo } from './dtmf-info.js';
import { answerDirection, isHoldOffer, remoteAudioDirection } from './sdp-direction.js';
import { sessionRefreshed } from './session-timer.js';
import { handleNotify, handleRefer } from './transfer.js';

/** Routes the peer's in-dialog requests and the dialog's end into the session. */
export function wireDialog(ctx: CallContext, r: SessionRecord, dialog: UaDialog): void {
  dialog.onTerminated((reason) => {
    if (reason === 'local-bye') return;
    if (reason === 'remote-bye') {
      ctx.setEndReason(r, 'normal');
      void ctx.tryFire(r, 'remote-bye', 'BYE');
      return;
    }
    ctx.setEndReason(r, 'failed');
    void ctx.tryFire(r, 'error', reason);
  });
  dialog.onRequest((req) => {
    void route(ctx, r, dialog, req).catch(async (err: unknown) => {
      ctx.logger.warn({ err, session: r.id, method: req.request.method }, 'in-dialog request failed');
      await req.respond(500, { reason: 'Server Internal Error' }).catch(() => undefined);
    });
  });
}

/**
 * The dialog may have ended before `wireDialog` ran: the UA handles a burst of datagrams
 * in one turn, so a BYE right behind the ACK (or the 2xx) is processed before the session
 * gets to listen. Called once the session is up; ends it as the BYE would have.
 */
export async function endIfAlreadyOver(ctx: CallContext, r: SessionRecord, dialog: UaDialog): Promise<void> {
  if (dialog.state !== 'terminated') return;
  ctx.setEndReason(r, 'normal');
  await ctx.tryFire(r, 'remote-bye', 'BYE');
}

async function route(ctx: CallContext, r: SessionRecord, dialog: UaDialog, req: UaIncomingRequest): Promise<void> {
  switch (req.request.method) {
    case 'INVITE':
    case 'UPDATE':
      await handleOffer(ctx, r, req);
      return;
    case 'INFO':
      await handleInfo(ctx, r, req);
      return;
    case 'REFER':
      await handleRefer(ctx, r, dialog, req);
      return;
    case 'NOTIFY':
      await handleNotify(ctx, r, req);
      return;
    case 'OPTIONS':
      await req.respond(200);
      return;
    default:
      await req.respond(405, { headers: [['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE, REFER, NOTIFY, PRACK']] });
  }
}

/**
 * A re-INVITE or UPDATE from the peer: hold, resume, codec change or a session refresh.
 * While our own offer is in flight the answer is 491 (glare, RFC 3261 14.2).
 */
async function handleOffer(ctx: CallContext, r: SessionRecord, req: UaIncomingRequest): Promise<void> {
  const h = ctx.handles(r.id);
  const leg = ctx.registry.mediaOf(r.id);
  if (h.offerPending) {
    await req.respond(491, { reason: 'Request Pending', headers: [['Retry-After', 1]] });
    return;
  }
  sessionRefreshed(ctx, r, req.request);
  const timerHeaders: Array<[string, string | number]> = typeof r.vars.sessionExpires === 'number'
    ? [['Session-Expires', `${r.vars.sessionExpires};refresher=${r.vars.refresher === 'local' ? 'uas' : 'uac'}`], ['Require', 'timer']]
    : [];
  const offer = req.request.body.toString();
  if (!offer || !leg) {
    // A refresh without SDP (UPDATE) or an offer-less re-INVITE we answer with our current view.
    if (req.request.method === 'INVITE' && leg) {
      const body = await leg.createOffer(r.held ? 'sendonly' : 'sendrecv');
      await req.respond(200, { body, contentType: 'application/sdp', headers: timerHeaders });
    } else {
      await req.respond(200, { headers: timerHeaders });
    }
    return;
  }
  const remoteDir = remoteAudioDirection(offer);
  const answer = await leg.createAnswer(offer, answerDirection(remoteDir, r.held));
  r.codec = leg.codec ?? r.codec;
  await req.respond(200, { body: answer, contentType: 'application/sdp', headers: timerHeaders });
  const holding = isHoldOffer(offer);
  if (holding && !r.remoteHeld) {
    r.remoteHeld = true;
    await ctx.tryFire(r, 'remote-hold', `${req.request.method} ${remoteDir}`);
  } else if (!holding && r.remoteHeld) {
    r.remoteHeld = false;
    await ctx.tryFire(r, r.held ? 'remote-resume-held' : 'remote-resume', `${req.request.method} ${remoteDir}`);
  } else {
    await ctx.tryFire(r, 'renegotiated', req.request.method);
  }
}

async function handleInfo(ctx: CallContext, r: SessionRecord, req: UaIncomingRequest): Promise<void> {
  const dtmf = parseDtmfInfo(req.request.contentType, req.request.body.toString());
  if (!dtmf) {
    await req.respond(415, { reason: 'Unsupported Media Type', headers: [['Accept', 'application/dtmf-relay, application/dtmf']] });
    return;
  }
  await req.respond(200);
  ctx.events.dtmf({ sessionId: r.id, digit: dtmf.digit, durationMs: dtmf.durationMs, method: 'info' });
}
