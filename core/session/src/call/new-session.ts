import { randomUUID } from 'node:crypto';
import type { CallDirection, JsonValue, SipAddress } from '@rvoip/contracts';
import type { MediaLeg } from '../ports.js';
import type { SessionRecord } from '../registry/session-record.js';
import type { CallContext } from './call-context.js';

export function newRecord(
  direction: CallDirection, local: SipAddress, remote: SipAddress, callId: string, vars: Readonly<Record<string, JsonValue>> = {},
): SessionRecord {
  return {
    id: randomUUID(), callId, direction, state: 'idle', local, remote, createdAt: new Date(),
    held: false, remoteHeld: false, muted: false, vars: { ...vars },
  };
}

/** Creates the media leg and binds it both ways; RFC 4733 digits flow into session events. */
export async function attachLeg(ctx: CallContext, r: SessionRecord, codecs?: readonly string[]): Promise<MediaLeg> {
  const chosen = codecs ?? ctx.settings.codecs;
  const leg = await ctx.media.createLeg(chosen ? { codecs: chosen } : {});
  ctx.registry.attachMedia(r.id, leg);
  leg.onDtmf((e) => ctx.events.dtmf({ sessionId: r.id, digit: e.digit, durationMs: e.durationMs, method: e.method ?? 'rfc4733' }));
  return leg;
}

/** `"Name" <sip:x@y>;tag=...` or `sip:x@y` -> SipAddress without parameters. */
export function addressOf(nameAddr: { uri: { toString(): string }; displayName?: string | undefined }): SipAddress {
  const uri = nameAddr.uri.toString();
  return nameAddr.displayName ? { uri, displayName: nameAddr.displayName } : { uri };
}

export function localFrom(ctx: CallContext): string {
  const name = ctx.settings.displayName;
  return name ? `"${name.replace(/"/g, '')}" <${ctx.settings.localUri}>` : `<${ctx.settings.localUri}>`;
}
