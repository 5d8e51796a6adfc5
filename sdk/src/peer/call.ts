import type {
  CallDirection, CallState, DtmfDigit, DtmfMethod, DtmfOptions, MediaStats, SessionInfo, SessionStateChange,
} from '@rvoip/contracts';
import type { DefaultCallController, DefaultSessionManager, MediaRecording, PcmFrame, SessionEvents } from '@rvoip/session';
import { CallEndedError, CallRejectedError, CallTimeoutError, UnknownTargetError } from './errors.js';

export interface DtmfReceived {
  readonly digit: DtmfDigit;
  readonly durationMs: number;
  readonly method: DtmfMethod;
}

/** What a Call needs from its peer; kept narrow so Call stays a thin view over a session. */
export interface CallHost {
  readonly calls: DefaultCallController;
  readonly sessions: DefaultSessionManager;
  readonly events: SessionEvents;
  /** Wraps a session the layer created on its own (transfer, Replaces) into a Call. */
  adopt(sessionId: string): Call;
  forget(call: Call): void;
}

type StateListener = (state: CallState, change: SessionStateChange) => void;

const LIVE_END: readonly CallState[] = ['terminated', 'failed'];

/** One call. Methods map 1:1 onto CallController commands; state comes from the session layer. */
export class Call {
  private last: SessionInfo;
  private readonly stateListeners = new Set<StateListener>();
  private readonly dtmfListeners = new Set<(d: DtmfReceived) => void>();
  private readonly transferListeners = new Set<(next: Call) => void>();
  private readonly endedPromise: Promise<void>;

  constructor(protected readonly host: CallHost, info: SessionInfo) {
    this.last = info;
    const subs = [
      host.events.onStateChange((c) => {
        if (c.session.id !== this.id) return;
        this.last = c.session;
        for (const l of [...this.stateListeners]) l(c.to, c);
        if (LIVE_END.includes(c.to)) {
          for (const s of subs) s.dispose();
          host.forget(this);
        }
      }),
      host.events.onDtmf((d) => {
        if (d.sessionId === this.id) for (const l of [...this.dtmfListeners]) l(d);
      }),
      host.events.onLink((link) => {
        if (link.sessionId !== this.id) return;
        const next = host.adopt(link.newSessionId);
        for (const l of [...this.transferListeners]) l(next);
      }),
    ];
    this.endedPromise = host.calls.ended(this.id);
  }

  /** The live snapshot while the session exists (actions may have updated it after the last event). */
  private get now(): SessionInfo {
    const live = this.host.sessions.get(this.last.id);
    if (live) this.last = live;
    return this.last;
  }

  get id(): string { return this.last.id; }
  get callId(): string { return this.now.callId; }
  get direction(): CallDirection { return this.last.direction; }
  get state(): CallState { return this.now.state; }
  get remoteUri(): string { return this.now.remote.uri; }
  get localUri(): string { return this.last.local.uri; }
  get codec(): string | undefined { return this.now.codec; }
  get isActive(): boolean {
    const s = this.now.state;
    return s === 'active' || s === 'on-hold' || s === 'resuming';
  }
  get info(): SessionInfo { return this.now; }

  /** Milliseconds since the call was answered (0 before), frozen once it ends. */
  get duration(): number {
    const info = this.now;
    if (!info.answeredAt) return 0;
    return (info.endedAt ?? new Date()).getTime() - info.answeredAt.getTime();
  }

  onState(listener: StateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onDtmf(listener: (d: DtmfReceived) => void): () => void {
    this.dtmfListeners.add(listener);
    return () => this.dtmfListeners.delete(listener);
  }

  /** The call this one became: we were transferred (REFER) or replaced (attended transfer). */
  onTransferred(listener: (next: Call) => void): () => void {
    this.transferListeners.add(listener);
    return () => this.transferListeners.delete(listener);
  }

  /** Resolves when the far end answers; rejects with CallRejectedError, CallTimeoutError or UnknownTargetError. */
  waitForAnswer(timeoutMs = 30_000): Promise<this> {
    if (this.isActive) return Promise.resolve(this);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new CallTimeoutError(this.remoteUri, timeoutMs));
        void this.hangup().catch(() => undefined);
      }, timeoutMs);
      const settle = (): boolean => {
        if (this.isActive) resolve(this);
        else if (LIVE_END.includes(this.state)) reject(this.failure());
        else return false;
        clearTimeout(timer);
        return true;
      };
      const off = this.onState(() => { if (settle()) off(); });
      if (settle()) off();
    });
  }

  private failure(): Error {
    const status = typeof this.last.vars.sipStatus === 'number' ? this.last.vars.sipStatus : 0;
    const reason = typeof this.last.vars.sipReason === 'string' ? this.last.vars.sipReason : this.last.endReason ?? 'ended';
    if (status === 404 || status === 604 || status === 503 || status === 0) {
      return new UnknownTargetError(this.remoteUri, status ? `${status} ${reason}` : `call ended before an answer (${reason})`);
    }
    return new CallRejectedError(this.remoteUri, status, reason);
  }

  /** Resolves once the call has ended, whoever ended it. */
  waitForEnd(): Promise<void> {
    return this.endedPromise;
  }

  async hangup(): Promise<void> {
    await this.host.calls.hangup(this.id);
  }

  async hold(): Promise<void> {
    await this.host.calls.hold(this.live());
  }

  async resume(): Promise<void> {
    await this.host.calls.resume(this.live());
  }

  async blindTransfer(target: string): Promise<void> {
    await this.host.calls.transfer(this.live(), target.startsWith('sip:') ? target : `sip:${target}`);
  }

  /** Connects our peer on this call with the peer on `other`, then both our legs end. */
  async attendedTransfer(other: Call): Promise<void> {
    await this.host.calls.attendedTransfer(this.live(), other.live());
  }

  async sendDtmf(digits: string, options?: DtmfOptions): Promise<void> {
    await this.host.calls.sendDtmf(this.live(), digits, options);
  }

  mute(muted = true): void {
    this.host.calls.mute(this.live(), muted);
  }

  unmute(): void {
    this.mute(false);
  }

  /** Sends one 20 ms PCM frame (sample rate: `sampleRate`). */
  sendAudio(frame: PcmFrame): void {
    this.host.calls.media(this.live()).sendFrame(frame);
  }

  /** The far end's audio as 20 ms PCM frames until the call ends. */
  audio(): AsyncIterable<PcmFrame> {
    return this.host.calls.media(this.live()).frames();
  }

  /** RTP figures for this call so far (packets, loss, jitter, MOS estimate). */
  stats(): MediaStats {
    return this.host.calls.media(this.live()).stats();
  }

  get sampleRate(): number {
    return this.host.calls.media(this.live()).sampleRate;
  }

  async playTone(frequencies: readonly number[], durationMs: number): Promise<void> {
    await this.host.calls.play(this.live(), { kind: 'tone', frequencies, durationMs });
  }

  async playFile(path: string): Promise<void> {
    await this.host.calls.play(this.live(), { kind: 'file', path });
  }

  /** Records both directions to a WAV file until `stop()` or the end of the call. */
  startRecording(path: string): Promise<MediaRecording> {
    return this.host.calls.media(this.live()).startRecording(path);
  }

  protected live(): string {
    if (LIVE_END.includes(this.state)) throw new CallEndedError(this.id, this.state);
    return this.id;
  }
}

/** A call offered to us: ringing until `accept()` or `reject()`. */
export class IncomingCall extends Call {
  async accept(): Promise<this> {
    await this.host.calls.answer(this.live());
    return this;
  }

  async reject(code = 486, reason?: string): Promise<void> {
    await this.host.calls.reject(this.live(), code, reason);
  }

  /** Sends 183 with our SDP so the caller hears us before the answer. */
  async earlyMedia(): Promise<void> {
    await this.host.calls.ring(this.live(), { earlyMedia: true });
  }
}
