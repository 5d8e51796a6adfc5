import { parseReplaces } from '@rvoip/sip';
import type { Replaces } from '@rvoip/sip';
import { SessionError, SessionErrorCode } from '../errors.js';
import type { HeaderList, UaDialog, UaIncomingRequest } from '../ports.js';
import type { SessionRecord } from '../registry/session-record.js';
import type { CallContext } from './call-context.js';
import { placeCall } from './outbound.js';
import { requireSuccess } from './sip-status.js';

const REFER_TIMEOUT_MS = 32_000;
/** How long the target gets to BYE the replaced dialog before the transferor does. */
const REPLACED_GRACE_MS = 2_000;

/** `callId;localTag;remoteTag` is core/sip's dialog id; Call-IDs never contain ';'. */
export function dialogTags(dialog: UaDialog): { localTag: string; remoteTag: string } {
  const parts = dialog.id.split(';');
  return { localTag: parts[parts.length - 2] ?? '', remoteTag: parts[parts.length - 1] ?? '' };
}

/** RFC 3891 3: the dialog named by Replaces, seen from our side (to-tag is ours). */
export function findReplaced(ctx: CallContext, replaces: Replaces): SessionRecord | undefined {
  const r = ctx.registry.byCall(replaces.callId);
  const dialog = r && ctx.registry.dialogOf(r.id);
  if (!r || !dialog) return undefined;
  const { localTag, remoteTag } = dialogTags(dialog);
  return localTag === replaces.toTag && remoteTag === replaces.fromTag ? r : undefined;
}

/** The new call is up: end the replaced one with BYE, as the target of an attended transfer does. */
export async function completeReplacement(ctx: CallContext, old: SessionRecord, replacement: SessionRecord): Promise<void> {
  ctx.events.linked({ sessionId: old.id, newSessionId: replacement.id, kind: 'replaces' });
  if (!(await ctx.tryFire(old, 'replaced', 'Replaces'))) return;
  await ctx.registry.dialogOf(old.id)?.bye().catch(() => undefined);
  await ctx.tryFire(old, 'bye-done');
}

function sipfrag(status: number, reason: string): string {
  return `SIP/2.0 ${status} ${reason}\r\n`;
}

async function notify(dialog: UaDialog, status: number, reason: string): Promise<void> {
  const final = status >= 200;
  await dialog.request('NOTIFY', {
    headers: [['Event', 'refer'], ['Subscription-State', final ? 'terminated;reason=noresource' : 'active;expires=60']],
    contentType: 'message/sipfrag;version=2.0',
    body: sipfrag(status, reason),
  }).catch(() => undefined);
}

/** Splits `sip:c@host?Replaces=...` into the target and the Replaces header it carries. */
export function splitReferTo(referTo: string): { target: string; headers: HeaderList } {
  const q = referTo.indexOf('?');
  if (q < 0) return { target: referTo, headers: [] };
  const headers: HeaderList = [];
  for (const pair of referTo.slice(q + 1).split('&')) {
    const [name, value] = pair.split('=');
    if (name && value !== undefined && name.toLowerCase() === 'replaces') headers.push(['Replaces', decodeURIComponent(value)]);
  }
  return { target: referTo.slice(0, q), headers };
}

/**
 * We are the transferee: accept the REFER, call the target (with Replaces for an attended
 * transfer) and report progress with NOTIFY sipfrags (RFC 3515). The transferor hangs up.
 */
export async function handleRefer(ctx: CallContext, r: SessionRecord, dialog: UaDialog, req: UaIncomingRequest): Promise<void> {
  const referTo = req.request.referTo;
  if (!referTo) {
    await req.respond(400, { reason: 'Missing Refer-To' });
    return;
  }
  await req.respond(202, { reason: 'Accepted' });
  await notify(dialog, 100, 'Trying');
  const { target, headers } = splitReferTo(referTo.uri.toString());
  if (await referredLocally(ctx, r, dialog, headers)) return;
  try {
    const next = await placeCall(ctx, { to: ctx.settings.referTarget?.(target) ?? target, extraHeaders: [...headers, ['Referred-By', `<${r.remote.uri}>`]] });
    ctx.events.linked({ sessionId: r.id, newSessionId: next.id, kind: 'transfer' });
    const outcome = await outcomeOf(ctx, next);
    await notify(dialog, outcome.status, outcome.reason);
  } catch (err) {
    ctx.logger.warn({ err, session: r.id }, 'transfer call could not be placed');
    await notify(dialog, 503, 'Service Unavailable');
  }
}

/** The REFER's Replaces names one of our own dialogs and `settings.localReplaces` took it on. */
async function referredLocally(ctx: CallContext, r: SessionRecord, dialog: UaDialog, headers: HeaderList): Promise<boolean> {
  const hook = ctx.settings.localReplaces;
  const value = headers.find(([name]) => name === 'Replaces')?.[1];
  if (!hook || value === undefined) return false;
  let replaced: SessionRecord | undefined;
  try {
    replaced = findReplaced(ctx, parseReplaces([String(value)]));
  } catch {
    return false; // a malformed Replaces is for the target to refuse
  }
  if (!replaced || replaced.id === r.id) return false;
  let outcome: { status: number; reason: string } | undefined;
  try {
    outcome = await hook(r.id, replaced.id);
  } catch (err) {
    ctx.logger.warn({ err, session: r.id, replaced: replaced.id }, 'local transfer with Replaces failed');
    outcome = { status: 500, reason: 'Server Internal Error' };
  }
  if (!outcome) return false;
  await notify(dialog, outcome.status, outcome.reason);
  return true;
}

/** Waits until a new outbound session is active or ended; its SIP status is the outcome. */
function outcomeOf(ctx: CallContext, next: SessionRecord): Promise<{ status: number; reason: string }> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      if (next.state === 'active') resolve({ status: 200, reason: 'OK' });
      else if (next.state === 'terminated' || next.state === 'failed') {
        resolve({ status: next.sipCode && next.sipCode >= 300 ? next.sipCode : 487, reason: String(next.vars.sipReason ?? 'Request Terminated') });
      } else return false;
      return true;
    };
    if (check()) return;
    const sub = ctx.events.onStateChange((c) => {
      if (c.session.id === next.id && check()) sub.dispose();
    });
  });
}

/** We are the transferor: the peer reports the transfer call's progress in NOTIFYs. */
export async function handleNotify(ctx: CallContext, r: SessionRecord, req: UaIncomingRequest): Promise<void> {
  const event = req.request.event;
  if (!event || event.type.toLowerCase() !== 'refer') {
    await req.respond(489, { reason: 'Bad Event' });
    return;
  }
  await req.respond(200);
  const m = /^SIP\/2\.0\s+(\d{3})/.exec(req.request.body.toString());
  const status = m ? Number(m[1]) : 0;
  if (status >= 200) ctx.handles(r.id).referWait?.resolve(status < 300, status);
}

async function refer(ctx: CallContext, r: SessionRecord, referTo: string): Promise<void> {
  const dialog = ctx.registry.dialogOf(r.id);
  if (!dialog) throw new SessionError(SessionErrorCode.InvalidState, `Session ${r.id} has no dialog to transfer`, { sessionId: r.id });
  ctx.guard(r, 'transfer');
  const h = ctx.handles(r.id);
  const result = new Promise<{ ok: boolean; status: number }>((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, status: 408 }), REFER_TIMEOUT_MS);
    timer.unref();
    h.referWait = { resolve: (ok, status) => { clearTimeout(timer); resolve({ ok, status }); } };
  });
  await ctx.fire(r, 'transfer', `REFER ${referTo}`);
  try {
    requireSuccess(await dialog.request('REFER', { headers: [['Refer-To', `<${referTo}>`], ['Referred-By', `<${r.local.uri}>`]] }), 'REFER');
  } catch (err) {
    delete h.referWait;
    await ctx.tryFire(r, 'transfer-failed');
    throw new SessionError(SessionErrorCode.Transfer, `REFER for session ${r.id} to ${referTo} was refused`, { sessionId: r.id }, { cause: err });
  }
  const { ok, status } = await result;
  delete h.referWait;
  if (!ok) {
    await ctx.tryFire(r, 'transfer-failed', String(status));
    throw new SessionError(SessionErrorCode.Transfer, `Transfer of session ${r.id} to ${referTo} failed with ${status}`, { sessionId: r.id, status });
  }
  await ctx.fire(r, 'transfer-succeeded', String(status));
  await dialog.bye().catch(() => undefined);
  await ctx.tryFire(r, 'bye-done');
}

export async function blindTransfer(ctx: CallContext, id: string, target: string): Promise<void> {
  await refer(ctx, ctx.require(id), target);
}

/** REFER to `id`'s peer naming `replaceWith`'s dialog, so that peer takes our place there. */
export async function attendedTransfer(ctx: CallContext, id: string, replaceWith: string): Promise<void> {
  const r = ctx.require(id);
  const other = ctx.require(replaceWith);
  const otherDialog = ctx.registry.dialogOf(other.id);
  if (!otherDialog) throw new SessionError(SessionErrorCode.InvalidState, `Session ${replaceWith} has no dialog to be replaced`, { sessionId: replaceWith });
  const { localTag, remoteTag } = dialogTags(otherDialog);
  // At the target, its own tag is the to-tag and ours the from-tag (RFC 3891 3).
  const replaces = encodeURIComponent(`${otherDialog.callId};to-tag=${remoteTag};from-tag=${localTag}`);
  await refer(ctx, r, `${otherDialog.remoteTarget}?Replaces=${replaces}`);
  // RFC 3891 has the target BYE the replaced dialog; targets that ignore Replaces
  // (baresip 1.0 answers it as a new call) would leave our leg up, so end it ourselves.
  const ended = ctx.handles(other.id).ended;
  const timer = setTimeout(() => {
    if (!ctx.registry.get(other.id)) return;
    ctx.setEndReason(other, 'transferred');
    void (async () => {
      if (!(await ctx.tryFire(other, 'hangup', 'replaced dialog left up by the target'))) return;
      await otherDialog.bye().catch(() => undefined);
      await ctx.tryFire(other, 'bye-done');
    })().catch(() => undefined);
  }, REPLACED_GRACE_MS);
  timer.unref();
  void ended.then(() => clearTimeout(timer));
}
