import type {
  AnswerOptions, AudioSource, CallController, DialOptions, DtmfOptions, EndReason, RecordingHandle,
  RecordingOptions, SessionId, SessionInfo,
} from '@rvoip/contracts';
import { SessionError, SessionErrorCode } from './errors.js';
import type { MediaLeg } from './ports.js';
import { snapshot } from './registry/session-record.js';
import type { SessionRuntime } from './session-runtime.js';
import { answerCall, rejectCall, ringCall } from './call/inbound.js';
import { cancelOutbound, placeCall } from './call/outbound.js';
import { holdCall, refreshMedia, resumeCall, sendDigits } from './call/mid-call.js';
import { attendedTransfer, blindTransfer } from './call/transfer.js';

/**
 * CallController over SessionRuntime: each command checks the state table, does its
 * signalling, and feeds the result back as an event. Extra methods beyond the contract
 * (media access, mute, renegotiation) serve the SDK.
 */
export class DefaultCallController implements CallController {
  private readonly bridges = new Map<SessionId, { other: SessionId; stop: () => void }>();

  constructor(private readonly runtime: SessionRuntime) {}

  private get core() {
    return this.runtime.core;
  }

  async dial(options: DialOptions): Promise<SessionInfo> {
    return snapshot(await placeCall(this.core, options));
  }

  async ring(id: SessionId, options: { readonly earlyMedia?: boolean } = {}): Promise<void> {
    await ringCall(this.core, id, options.earlyMedia ?? false);
  }

  async answer(id: SessionId, options?: AnswerOptions): Promise<void> {
    await answerCall(this.core, id, options);
  }

  async reject(id: SessionId, code: number, reason?: string): Promise<void> {
    if (code < 300 || code > 699) {
      throw new SessionError(SessionErrorCode.Unsupported, `reject() needs a final failure status 300-699, got ${code} for session ${id}`, { code });
    }
    await rejectCall(this.core, id, code, reason);
  }

  async hangup(id: SessionId, reason?: EndReason): Promise<void> {
    const r = this.runtime.registry.get(id);
    if (!r) return;
    const ended = this.core.handles(id).ended;
    // Without an explicit reason the branch decides: cancelled, rejected or normal.
    if (reason) this.core.setEndReason(r, reason);
    if (r.direction === 'outbound' && this.core.machine.can(r.state, 'cancel')) {
      await cancelOutbound(this.core, r);
    } else if (r.direction === 'inbound' && this.core.machine.can(r.state, 'reject')) {
      await rejectCall(this.core, id, 603, 'Decline');
    } else if (this.core.machine.can(r.state, 'hangup')) {
      await this.core.fire(r, 'hangup');
      await this.runtime.registry.dialogOf(id)?.bye().catch(() => undefined);
      await this.core.tryFire(r, 'bye-done');
    }
    await ended;
  }

  hold(id: SessionId): Promise<void> {
    return holdCall(this.core, id);
  }

  resume(id: SessionId): Promise<void> {
    return resumeCall(this.core, id);
  }

  /** Re-offers media with a re-INVITE (default) or UPDATE. */
  renegotiate(id: SessionId, method: 'INVITE' | 'UPDATE' = 'INVITE'): Promise<void> {
    return refreshMedia(this.core, id, method);
  }

  sendDtmf(id: SessionId, digits: string, options?: DtmfOptions): Promise<void> {
    return sendDigits(this.core, id, digits, options);
  }

  transfer(id: SessionId, target: string): Promise<void> {
    return blindTransfer(this.core, id, target);
  }

  attendedTransfer(id: SessionId, replaceWith: SessionId): Promise<void> {
    return attendedTransfer(this.core, id, replaceWith);
  }

  /** The call's media leg, for frame-level audio (SDK `audio()` / `sendAudio`). */
  media(id: SessionId): MediaLeg {
    const leg = this.runtime.registry.mediaOf(id);
    if (!leg) throw new SessionError(SessionErrorCode.UnknownSession, `Session ${id} has no live media`, { sessionId: id });
    return leg;
  }

  mute(id: SessionId, muted: boolean): void {
    const r = this.core.require(id);
    r.muted = muted;
    this.media(id).setMuted(muted);
  }

  /** Resolves when the session has reached a terminal state (immediately if it is gone). */
  ended(id: SessionId): Promise<void> {
    return this.runtime.registry.get(id) ? this.core.handles(id).ended : Promise.resolve();
  }

  async bridge(a: SessionId, b: SessionId): Promise<void> {
    const legA = this.media(a);
    const legB = this.media(b);
    await this.unbridge(a);
    await this.unbridge(b);
    // The media engine joins its own legs itself: payloads relayed when codecs agree.
    const native = legA.bridgeTo?.(legB);
    if (native) {
      const stopNative = (): void => native.stop();
      this.bridges.set(a, { other: b, stop: stopNative });
      this.bridges.set(b, { other: a, stop: stopNative });
      return;
    }
    let running = true;
    const pump = async (from: MediaLeg, to: MediaLeg): Promise<void> => {
      for await (const frame of from.frames()) {
        if (!running) break;
        to.sendFrame(frame);
      }
    };
    void pump(legA, legB).catch(() => undefined);
    void pump(legB, legA).catch(() => undefined);
    const stop = (): void => { running = false; };
    this.bridges.set(a, { other: b, stop });
    this.bridges.set(b, { other: a, stop });
  }

  async unbridge(a: SessionId): Promise<void> {
    const entry = this.bridges.get(a);
    if (!entry) return;
    entry.stop();
    this.bridges.delete(a);
    this.bridges.delete(entry.other);
  }

  async play(id: SessionId, source: AudioSource): Promise<void> {
    const leg = this.media(id);
    if (source.kind === 'file') await leg.playFile(source.path, source.loop ? { loop: true } : {});
    else await leg.playTone(source.frequencies, source.durationMs);
  }

  async record(id: SessionId, options: RecordingOptions): Promise<RecordingHandle> {
    return this.media(id).startRecording(options.path);
  }
}
