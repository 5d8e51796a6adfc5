import type { DtmfOptions } from '@rvoip/contracts';
import { SessionError, SessionErrorCode } from '../errors.js';
import type { MediaDirection, UaDialog } from '../ports.js';
import type { SessionRecord } from '../registry/session-record.js';
import type { CallContext } from './call-context.js';
import { dtmfRelayBody, isDtmfDigit } from './dtmf-info.js';
import { holdDirection } from './sdp-direction.js';
import { requireSuccess, statusOf } from './sip-status.js';

const MAX_GLARE_RETRIES = 3;

function dialogOf(ctx: CallContext, r: SessionRecord): UaDialog {
  const d = ctx.registry.dialogOf(r.id);
  if (!d) throw new SessionError(SessionErrorCode.InvalidState, `Session ${r.id} has no confirmed dialog (state ${r.state})`, { sessionId: r.id });
  return d;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends a re-INVITE (or UPDATE) with a fresh offer in `direction` and applies the answer.
 * On 491 it backs off as RFC 3261 14.1 says (the Call-ID owner waits 2.1-4 s, the other
 * 0-2 s) and tries again.
 */
export async function renegotiate(ctx: CallContext, r: SessionRecord, direction: () => MediaDirection, method: 'INVITE' | 'UPDATE' = 'INVITE'): Promise<void> {
  const dialog = dialogOf(ctx, r);
  const leg = ctx.registry.mediaOf(r.id);
  if (!leg) throw new SessionError(SessionErrorCode.InvalidState, `Session ${r.id} has no media`, { sessionId: r.id });
  const h = ctx.handles(r.id);
  for (let attempt = 0; ; attempt++) {
    h.offerPending = true;
    try {
      // Recomputed per attempt: the peer's re-INVITE may have changed the hold picture meanwhile.
      const offer = await leg.createOffer(direction());
      const res = requireSuccess(await dialog.request(method, { body: offer, contentType: 'application/sdp' }), `${method} for session ${r.id}`);
      if (res.body.length > 0) await leg.setRemoteAnswer(res.body.toString());
      r.codec = leg.codec ?? r.codec;
      return;
    } catch (err) {
      const { status, reason } = statusOf(err);
      if (status !== 491 || attempt >= MAX_GLARE_RETRIES) {
        throw new SessionError(SessionErrorCode.Signalling, `${method} for session ${r.id} failed: ${status} ${reason}`, { sessionId: r.id, status }, { cause: err });
      }
    } finally {
      h.offerPending = false;
    }
    const owner = r.direction === 'outbound';
    await sleep(owner ? 2100 + Math.random() * 1900 : Math.random() * 2000);
  }
}

export async function holdCall(ctx: CallContext, id: string): Promise<void> {
  const r = ctx.require(id);
  if (r.held) return;
  ctx.guard(r, 'hold');
  await renegotiate(ctx, r, () => holdDirection(true, r.remoteHeld));
  r.held = true;
  await ctx.fire(r, 'hold');
}

export async function resumeCall(ctx: CallContext, id: string): Promise<void> {
  const r = ctx.require(id);
  if (!r.held) return;
  await ctx.fire(r, 'resume');
  try {
    await renegotiate(ctx, r, () => holdDirection(false, r.remoteHeld));
  } catch (err) {
    await ctx.tryFire(r, 'resume-failed');
    throw err;
  }
  r.held = false;
  await ctx.fire(r, r.remoteHeld ? 'resumed-held' : 'resumed');
}

/** Re-offers the current media (codec change, address change) and reports it to the table. */
export async function refreshMedia(ctx: CallContext, id: string, method: 'INVITE' | 'UPDATE' = 'INVITE'): Promise<void> {
  const r = ctx.require(id);
  ctx.guard(r, 'renegotiated');
  await renegotiate(ctx, r, () => holdDirection(r.held, r.remoteHeld), method);
  await ctx.fire(r, 'renegotiated', method);
}

export async function sendDigits(ctx: CallContext, id: string, digits: string, options: DtmfOptions = {}): Promise<void> {
  const r = ctx.require(id);
  const duration = options.durationMs ?? 100;
  const gap = options.gapMs ?? 70;
  const method = options.method ?? 'rfc4733';
  for (const raw of digits.toUpperCase()) {
    if (!isDtmfDigit(raw)) {
      throw new SessionError(SessionErrorCode.Unsupported, `'${raw}' in "${digits}" is not a DTMF digit (0-9, *, #, A-D)`, { digits });
    }
    if (method === 'info') {
      requireSuccess(await dialogOf(ctx, r).request('INFO', { body: dtmfRelayBody(raw, duration), contentType: 'application/dtmf-relay' }), `INFO for session ${id}`);
    } else if (method === 'rfc4733') {
      const leg = ctx.registry.mediaOf(r.id);
      if (!leg) throw new SessionError(SessionErrorCode.InvalidState, `Session ${id} has no media for DTMF`, { sessionId: id });
      await leg.sendDtmf(raw, duration);
    } else {
      const leg = ctx.registry.mediaOf(r.id);
      await leg?.playTone(inbandPair(raw), duration);
    }
    await sleep(gap);
  }
}

const LOW = [697, 770, 852, 941];
const HIGH = [1209, 1336, 1477, 1633];
const KEYPAD = ['123A', '456B', '789C', '*0#D'];

function inbandPair(digit: string): number[] {
  const row = KEYPAD.findIndex((k) => k.includes(digit));
  return [LOW[row]!, HIGH[KEYPAD[row]!.indexOf(digit)]!];
}
