import type {
  CallDirection, CallState, EndReason, JsonValue, SessionId, SessionInfo, SipAddress,
} from '@rvoip/contracts';

/** The mutable row behind one session; SessionInfo snapshots are handed out, never this. */
export interface SessionRecord {
  readonly id: SessionId;
  callId: string;
  readonly direction: CallDirection;
  state: CallState;
  readonly local: SipAddress;
  remote: SipAddress;
  readonly createdAt: Date;
  answeredAt?: Date;
  endedAt?: Date;
  endReason?: EndReason;
  /** Final status of the initial INVITE transaction. */
  sipCode?: number;
  codec?: string;
  held: boolean;
  /** Set while the peer holds us (their re-INVITE with sendonly/inactive). */
  remoteHeld: boolean;
  muted: boolean;
  vars: Record<string, JsonValue>;
}

export function snapshot(r: SessionRecord): SessionInfo {
  return {
    id: r.id,
    callId: r.callId,
    direction: r.direction,
    state: r.state,
    local: r.local,
    remote: r.remote,
    createdAt: r.createdAt,
    ...(r.answeredAt && { answeredAt: r.answeredAt }),
    ...(r.endedAt && { endedAt: r.endedAt }),
    ...(r.endReason && { endReason: r.endReason }),
    ...(r.codec && { codec: r.codec }),
    held: r.held,
    vars: { ...r.vars },
  };
}
