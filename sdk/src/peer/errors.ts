import { RvoipError } from '@rvoip/contracts';

/** Base of every error the SimplePeer API throws; branch on `code`. */
export class PeerError extends RvoipError {}

export class UnknownTargetError extends PeerError {
  constructor(readonly target: string, detail: string) {
    super('RVOIP_ERR_SDK_UNKNOWN_TARGET', `Cannot call "${target}": ${detail}`, { target });
  }
}

export class CallTimeoutError extends PeerError {
  constructor(readonly target: string, readonly timeoutMs: number) {
    super('RVOIP_ERR_SDK_TIMEOUT', `Call to ${target} was not answered within ${timeoutMs} ms`, { target, timeoutMs });
  }
}

export class CallRejectedError extends PeerError {
  constructor(readonly target: string, readonly status: number, readonly reason: string) {
    super('RVOIP_ERR_SDK_REJECTED', `Call to ${target} was rejected with ${status} ${reason}`, { target, status, reason });
  }
}

export class CallEndedError extends PeerError {
  constructor(readonly callId: string, readonly state: string) {
    super('RVOIP_ERR_SDK_CALL_ENDED', `Call ${callId} has already ended (state ${state})`, { callId, state });
  }
}

export class RegistrationFailedError extends PeerError {
  constructor(readonly registrar: string, readonly status: number, detail: string) {
    super('RVOIP_ERR_SDK_REGISTER', `Registration with ${registrar} failed${status ? ` with ${status}` : ''}: ${detail}`, { registrar, status });
  }
}

export class PeerClosedError extends PeerError {
  constructor(name: string) {
    super('RVOIP_ERR_SDK_PEER_CLOSED', `SimplePeer "${name}" is closed`, { name });
  }
}
