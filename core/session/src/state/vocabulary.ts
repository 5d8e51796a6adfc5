import type { CallState } from '@rvoip/contracts';

/** Every state the session layer knows; the table may not invent states (SessionInfo.state is typed). */
export const CALL_STATES: readonly CallState[] = [
  'idle', 'calling', 'ringing', 'early-media', 'active', 'on-hold', 'resuming',
  'transferring', 'terminating', 'terminated', 'failed',
];

/** States a session never leaves; '*' transitions do not apply to them. */
export const TERMINAL_STATES: readonly CallState[] = ['terminated', 'failed'];

/**
 * Events the CallController and the SIP/media glue feed to the machine. A table may declare
 * more under `events:` (for StateActionAdapters that `emit` them).
 */
export const BUILTIN_EVENTS = [
  // outbound
  'dial', 'provisional', 'early-media', 'answered', 'rejected', 'cancel', 'cancelled',
  // inbound
  'incoming', 'ring', 'accept', 'reject', 'remote-cancel',
  // mid-call
  'hold', 'remote-hold', 'resume', 'resumed', 'resumed-held', 'resume-failed', 'remote-resume', 'remote-resume-held',
  'renegotiated',
  'transfer', 'transfer-failed', 'transfer-succeeded', 'replaced',
  // teardown
  'hangup', 'bye-done', 'remote-bye', 'session-expired', 'error',
] as const;
export type BuiltinEvent = (typeof BUILTIN_EVENTS)[number];

/** Actions the session layer executes itself; anything else needs a StateActionAdapter. */
export const BUILTIN_ACTIONS = [
  'start-media', 'stop-media', 'set-media-direction', 'sync-media-direction', 'mark-answered',
  'start-session-timer', 'set-end-reason', 'end-call',
] as const;
export type BuiltinAction = (typeof BUILTIN_ACTIONS)[number];

export function isCallState(value: string): value is CallState {
  return (CALL_STATES as readonly string[]).includes(value);
}
