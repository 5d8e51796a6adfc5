import type {
  AnswerOptions, IncomingRequestInfo, ResponseSpec, SignalingDecision, SipMethod,
} from '@rvoip/contracts';
import { SessionError, SessionErrorCode } from '../errors.js';
import type { HeaderList, UaDialog, UaIncomingInvite } from '../ports.js';
import type { SessionRecord } from '../registry/session-record.js';
import type { CallContext } from './call-context.js';
import { endIfAlreadyOver, wireDialog } from './in-dialog.js';
import { addressOf, attachLeg, newRecord } from './new-session.js';
import { recordSessionTimer } from './session-timer.js';
import { endReasonFor, hasOptionTag, SUPPORTED } from './sip-status.js';
import { findReplaced, completeReplacement } from './transfer.js';

function noInvite(id: string): SessionError {
  return new SessionError(SessionErrorCode.InvalidState, `Session ${id} is not an inbound call awaiting an answer`, { sessionId: id });
}

function requestInfo(invite: UaIncomingInvite, sessionId: string): IncomingRequestInfo {
  const req = invite.request;
  const headers: Record<string, string[]> = {};
  for (const f of req.headers) (headers[f.name.toLowerCase()] ??= []).push(f.value);
  const src = invite.source;
  const transport = src.protocol.toLowerCase();
  return {
    method: req.method as SipMethod,
    requestUri: req.uri.toString(),
    from: { ...addressOf(req.from), ...(req.from.tag && { tag: req.from.tag }) },
    to: { ...addressOf(req.to), ...(req.to.tag && { tag: req.to.tag }) },
    callId: req.callId,
    cseq: req.cseq.seq,
    headers,
    ...(req.contentType && { contentType: req.contentType }),
    ...(req.body.length > 0 && { body: req.body.toString() }),
    source: {
      transport: (['udp', 'tcp', 'tls', 'ws', 'wss'].includes(transport) ? transport : 'udp') as IncomingRequestInfo['source']['transport'],
      address: src.remoteAddress,
      port: src.remotePort,
    },
    sessionId,
  };
}

/**
 * An initial INVITE: session and media leg first, then the SignalingHandler decides. An
 * INVITE with Replaces (RFC 3891) that matches one of our dialogs is taken over directly.
 */
export async function handleInvite(ctx: CallContext, invite: UaIncomingInvite): Promise<void> {
  const req = invite.request;
  let replaced: SessionRecord | undefined;
  if (req.replaces) {
    replaced = findReplaced(ctx, req.replaces);
    if (!replaced) {
      await invite.reject(481, { reason: 'Call/Transaction Does Not Exist' });
      return;
    }
  }
  const r = newRecord('inbound', addressOf(req.to), addressOf(req.from), req.callId);
  ctx.registry.add(r);
  const h = ctx.handles(r.id);
  h.incoming = invite;
  recordSessionTimer(r, req, false);
  invite.onCancel(() => {
    ctx.setEndReason(r, 'cancelled');
    r.sipCode = 487;
    void ctx.tryFire(r, 'remote-cancel', 'CANCEL');
  });
  try {
    await attachLeg(ctx, r);
    await ctx.fire(r, 'incoming');
  } catch (err) {
    ctx.logger.warn({ err, session: r.id }, 'cannot set up media for an incoming call');
    await invite.reject(500, { reason: 'Media Setup Failed' }).catch(() => undefined);
    await ctx.tryFire(r, 'error', 'media setup failed');
    return;
  }
  if (replaced) {
    await answerCall(ctx, r.id);
    await completeReplacement(ctx, replaced, r);
    return;
  }
  let decision: SignalingDecision;
  try {
    decision = await ctx.signaling.decide(requestInfo(invite, r.id));
  } catch (err) {
    ctx.logger.error({ err, session: r.id }, 'SignalingHandler.decide threw; rejecting with 500');
    decision = { kind: 'reject', code: 500, reason: 'Server Internal Error' };
  }
  await applyDecision(ctx, r, invite, decision);
}

async function applyDecision(ctx: CallContext, r: SessionRecord, invite: UaIncomingInvite, d: SignalingDecision): Promise<void> {
  if (r.state !== 'ringing' && r.state !== 'early-media') return; // cancelled while deciding
  switch (d.kind) {
    case 'accept':
      await answerCall(ctx, r.id, d.headers ? { headers: d.headers } : {});
      return;
    case 'reject':
      await rejectCall(ctx, r.id, d.code, d.reason);
      return;
    case 'defer': {
      if (d.ring) await ringCall(ctx, r.id);
      const h = ctx.handles(r.id);
      h.deferTimer = setTimeout(() => {
        if (r.state === 'ringing' || r.state === 'early-media') void rejectCall(ctx, r.id, 480, 'Temporarily Unavailable').catch(() => undefined);
      }, d.timeoutMs ?? ctx.settings.deferTimeoutMs);
      h.deferTimer.unref();
      return;
    }
    case 'custom': {
      const responder = {
        respond: async (spec: ResponseSpec) => {
          const headers = Object.entries(spec.headers ?? {});
          if (spec.code < 200) await invite.progress(spec.code, { headers, ...(spec.reason && { reason: spec.reason }) });
          else if (spec.code < 300) await answerCall(ctx, r.id, { headers: spec.headers ?? {} });
          else await rejectCall(ctx, r.id, spec.code, spec.reason, headers);
        },
      };
      await d.handle(requestInfo(invite, r.id), responder);
      return;
    }
  }
}

/** 180 Ringing, or 183 with our SDP answer for early media (reliably when the caller supports 100rel). */
export async function ringCall(ctx: CallContext, id: string, earlyMedia = false): Promise<void> {
  const r = ctx.require(id);
  const invite = ctx.handles(id).incoming;
  if (!invite) throw noInvite(id);
  // Without an offer in the INVITE our 183 would carry the offer, which needs PRACK: ring instead.
  if (!earlyMedia || invite.request.body.length === 0) {
    ctx.guard(r, 'ring');
    await invite.progress(180);
    await ctx.fire(r, 'ring');
    return;
  }
  ctx.guard(r, 'early-media');
  const answer = await localAnswer(ctx, r);
  // Reliable only when the caller insists (Require: 100rel); otherwise a plain 183 interoperates best.
  const reliable = hasOptionTag(invite.request.require, '100rel');
  await invite.progress(183, { body: answer, contentType: 'application/sdp', reliable });
  await ctx.fire(r, 'early-media', '183 Session Progress');
}

async function localAnswer(ctx: CallContext, r: SessionRecord): Promise<string> {
  const h = ctx.handles(r.id);
  if (typeof r.vars.localAnswer === 'string') return r.vars.localAnswer;
  const leg = ctx.registry.mediaOf(r.id);
  if (!leg || !h.incoming) throw noInvite(r.id);
  const offer = h.incoming.request.body.toString();
  // Late offer (RFC 3261 13.2.1): our 2xx carries the offer, the ACK the answer.
  const answer = offer ? await leg.createAnswer(offer, 'sendrecv') : await leg.createOffer('sendrecv');
  if (!offer) r.vars.lateOffer = true;
  r.codec = leg.codec;
  // Kept so a 200 after a 183 repeats the same answer (RFC 3264: one offer, one answer).
  r.vars.localAnswer = answer;
  return answer;
}

export async function answerCall(ctx: CallContext, id: string, options: AnswerOptions = {}): Promise<void> {
  const r = ctx.require(id);
  const invite = ctx.handles(id).incoming;
  if (!invite) throw noInvite(id);
  ctx.guard(r, 'accept');
  const h = ctx.handles(id);
  if (h.accepting) throw new SessionError(SessionErrorCode.InvalidState, `Session ${id} is already answered (awaiting the ACK)`, { sessionId: id });
  if (h.deferTimer) clearTimeout(h.deferTimer);
  const answer = await localAnswer(ctx, r);
  // A CANCEL or reject may have ended the call while the answer was being built.
  ctx.guard(r, 'accept');
  const headers: HeaderList = [['Supported', SUPPORTED], ...Object.entries(options.headers ?? {})];
  if (typeof r.vars.sessionExpires === 'number') {
    headers.push(['Session-Expires', `${r.vars.sessionExpires};refresher=${r.vars.refresher === 'local' ? 'uas' : 'uac'}`], ['Require', 'timer']);
  }
  let settle!: () => void;
  h.accepting = new Promise<void>((resolve) => { settle = resolve; });
  try {
    let dialog: UaDialog;
    try {
      dialog = await invite.accept({ body: answer, contentType: 'application/sdp', headers });
    } catch (err) {
      await ackFailed(ctx, r, err);
      throw err;
    }
    delete r.vars.localAnswer;
    if (r.vars.lateOffer) {
      delete r.vars.lateOffer;
      const ackSdp = dialog.remoteDescription.toString();
      if (ackSdp) await ctx.registry.mediaOf(id)?.setRemoteAnswer(ackSdp);
      r.codec = ctx.registry.mediaOf(id)?.codec ?? r.codec;
    }
    r.sipCode = 200;
    ctx.registry.attachDialog(id, dialog);
    wireDialog(ctx, r, dialog);
    await ctx.fire(r, 'accept', '200 OK');
    await endIfAlreadyOver(ctx, r, dialog);
  } finally {
    delete h.accepting;
    settle();
  }
}

/**
 * Our 2xx got no ACK (the UA has already sent BYE, RFC 3261 13.3.1.4) or the dialog ended
 * before it came (the caller's BYE overtook its ACK): the call is over.
 */
async function ackFailed(ctx: CallContext, r: SessionRecord, err: unknown): Promise<void> {
  if (!ctx.registry.get(r.id) || !ctx.machine.can(r.state, 'error')) return;
  const noAck = err instanceof Error && /no ACK/i.test(err.message);
  r.sipCode = 200;
  ctx.setEndReason(r, noAck ? 'timeout' : 'normal');
  await ctx.tryFire(r, 'error', noAck ? 'no ACK for our 2xx' : 'dialog ended before the ACK');
}

/**
 * Ends an inbound call whose 2xx is out but not yet ACKed: RFC 3261 15 has the callee wait
 * for the ACK (or give up on it) before its BYE, since a 2xx can no longer be taken back.
 */
async function hangupAfterAck(ctx: CallContext, r: SessionRecord, accepting: Promise<void>): Promise<void> {
  await accepting;
  if (!ctx.registry.get(r.id) || !(await ctx.tryFire(r, 'hangup', 'hangup before the ACK'))) return;
  await ctx.registry.dialogOf(r.id)?.bye().catch(() => undefined);
  await ctx.tryFire(r, 'bye-done');
}

/** A final failure; once our 2xx is out the INVITE is answered, so the call is ended with BYE after the ACK instead. */
export async function rejectCall(ctx: CallContext, id: string, code: number, reason?: string, headers: HeaderList = []): Promise<void> {
  const r = ctx.require(id);
  const h = ctx.handles(id);
  const invite = h.incoming;
  if (!invite) throw noInvite(id);
  if (h.accepting) {
    await hangupAfterAck(ctx, r, h.accepting);
    return;
  }
  ctx.guard(r, 'reject');
  r.sipCode = code;
  ctx.setEndReason(r, endReasonFor(code));
  await invite.reject(code, { headers, ...(reason && { reason }) });
  await ctx.fire(r, 'reject', `${code}${reason ? ` ${reason}` : ''}`);
}
