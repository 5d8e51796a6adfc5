import type { SessionId } from '@rvoip/contracts';
import type { MediaLeg, UaDialog } from '../ports.js';
import type { SessionRecord } from './session-record.js';

/**
 * Live sessions and their mappings, both ways: session <-> dialog, session <-> media leg,
 * Call-ID -> session. `remove` drops every mapping at once so nothing leaks after a call.
 */
export class SessionRegistry {
  private readonly sessions = new Map<SessionId, SessionRecord>();
  private readonly byCallId = new Map<string, SessionId>();
  private readonly dialogOfSession = new Map<SessionId, UaDialog>();
  private readonly sessionOfDialog = new Map<string, SessionId>();
  private readonly mediaOfSession = new Map<SessionId, MediaLeg>();
  private readonly sessionOfMedia = new Map<MediaLeg, SessionId>();

  add(record: SessionRecord): void {
    this.sessions.set(record.id, record);
    if (record.callId) this.byCallId.set(record.callId, record.id);
  }

  get(id: SessionId): SessionRecord | undefined {
    return this.sessions.get(id);
  }

  all(): SessionRecord[] {
    return [...this.sessions.values()];
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Outbound calls learn their Call-ID when the INVITE is built. */
  setCallId(id: SessionId, callId: string): void {
    const r = this.sessions.get(id);
    if (!r) return;
    if (r.callId) this.byCallId.delete(r.callId);
    r.callId = callId;
    this.byCallId.set(callId, id);
  }

  byCall(callId: string): SessionRecord | undefined {
    const id = this.byCallId.get(callId);
    return id === undefined ? undefined : this.sessions.get(id);
  }

  attachDialog(id: SessionId, dialog: UaDialog): void {
    const old = this.dialogOfSession.get(id);
    if (old) this.sessionOfDialog.delete(old.id);
    this.dialogOfSession.set(id, dialog);
    this.sessionOfDialog.set(dialog.id, id);
  }

  dialogOf(id: SessionId): UaDialog | undefined {
    return this.dialogOfSession.get(id);
  }

  byDialog(dialogId: string): SessionRecord | undefined {
    const id = this.sessionOfDialog.get(dialogId);
    return id === undefined ? undefined : this.sessions.get(id);
  }

  attachMedia(id: SessionId, leg: MediaLeg): void {
    const old = this.mediaOfSession.get(id);
    if (old) this.sessionOfMedia.delete(old);
    this.mediaOfSession.set(id, leg);
    this.sessionOfMedia.set(leg, id);
  }

  mediaOf(id: SessionId): MediaLeg | undefined {
    return this.mediaOfSession.get(id);
  }

  byMedia(leg: MediaLeg): SessionRecord | undefined {
    const id = this.sessionOfMedia.get(leg);
    return id === undefined ? undefined : this.sessions.get(id);
  }

  remove(id: SessionId): void {
    const r = this.sessions.get(id);
    if (r && this.byCallId.get(r.callId) === id) this.byCallId.delete(r.callId);
    const dialog = this.dialogOfSession.get(id);
    if (dialog) this.sessionOfDialog.delete(dialog.id);
    const leg = this.mediaOfSession.get(id);
    if (leg) this.sessionOfMedia.delete(leg);
    this.dialogOfSession.delete(id);
    this.mediaOfSession.delete(id);
    this.sessions.delete(id);
  }

  /** Counts of every map, so tests can prove nothing is left behind. */
  sizes(): Record<string, number> {
    return {
      sessions: this.sessions.size, callIds: this.byCallId.size, dialogs: this.dialogOfSession.size,
      dialogIndex: this.sessionOfDialog.size, media: this.mediaOfSession.size, mediaIndex: this.sessionOfMedia.size,
    };
  }
}
