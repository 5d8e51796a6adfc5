import type {
  CallEvent, CallEventAdapter, CallState, SignalingDecision, SignalingHandler, StateActionAdapter, StateTable,
} from '@rvoip/contracts';
import { Decision } from '@rvoip/contracts';
import { SipStack } from '@rvoip/sip';
import { DefaultCallController } from '../../src/call-controller.js';
import { LocalEventSink } from '../../src/events/local-event-sink.js';
import { DefaultSessionManager } from '../../src/session-manager.js';
import { SessionRuntime } from '../../src/session-runtime.js';
import { loadStateTable } from '../../src/state/state-table-loader.js';
import { FakeMedia } from './fake-media.js';

/** One session layer over a real SipStack on 127.0.0.1 (ephemeral port) with fake media. */
export interface TestPeer {
  readonly name: string;
  readonly uri: string;
  readonly stack: SipStack;
  readonly runtime: SessionRuntime;
  readonly calls: DefaultCallController;
  readonly sessions: DefaultSessionManager;
  readonly media: FakeMedia;
  readonly events: CallEvent[];
  readonly sink: LocalEventSink;
  decide: (sessionId: string | undefined) => SignalingDecision;
  close(): Promise<void>;
}

export interface TestPeerOptions {
  readonly sessionExpires?: number;
  readonly mediaStatsIntervalMs?: number;
  readonly table?: StateTable;
  readonly adapters?: readonly StateActionAdapter[];
  readonly eventAdapters?: readonly CallEventAdapter[];
}

export async function testPeer(name: string, settings: TestPeerOptions = {}): Promise<TestPeer> {
  const stack = await SipStack.create({ listen: ['udp://127.0.0.1:0'], domain: '127.0.0.1' });
  const port = stack.listeningPoints()[0]!.port;
  const uri = `sip:${name}@127.0.0.1:${port}`;
  const events: CallEvent[] = [];
  const collector: CallEventAdapter = {
    onStateChange: (e) => { events.push(e); },
    onDtmf: (e) => { events.push(e); },
    onMediaStats: (e) => { events.push(e); },
    onCallEnd: (e) => { events.push(e); },
  };
  const sink = new LocalEventSink(() => [collector, ...(settings.eventAdapters ?? [])]);
  const media = new FakeMedia();
  const peer: TestPeer = {
    name, uri, stack, media, events, sink,
    decide: () => Decision.accept(),
    runtime: undefined as unknown as SessionRuntime,
    calls: undefined as unknown as DefaultCallController,
    sessions: undefined as unknown as DefaultSessionManager,
    close: async () => {
      await Promise.allSettled(peer.sessions.list().map((s) => peer.calls.hangup(s.id)));
      await stack.close();
    },
  };
  const signaling: SignalingHandler = { decide: (req) => peer.decide(req.sessionId) };
  const runtime = new SessionRuntime({
    ua: stack, media, signaling, table: settings.table ?? loadStateTable(), sink,
    adapters: () => settings.adapters ?? [],
    settings: { localUri: uri, sessionExpires: settings.sessionExpires ?? 1800, mediaStatsIntervalMs: settings.mediaStatsIntervalMs ?? 0 },
  });
  Object.assign(peer, { runtime, calls: new DefaultCallController(runtime), sessions: new DefaultSessionManager(runtime) });
  return peer;
}

/** Resolves when some session of `peer` (or the given one) reaches `state`. */
export function waitForState(peer: TestPeer, state: CallState, sessionId?: string, timeoutMs = 10_000): Promise<string> {
  const existing = peer.sessions.list({ state }).find((s) => !sessionId || s.id === sessionId);
  if (existing) return Promise.resolve(existing.id);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`${peer.name}: no session reached '${state}' within ${timeoutMs} ms (have: ${peer.sessions.list().map((s) => s.state).join(', ') || 'none'})`));
    }, timeoutMs);
    const sub = peer.sessions.onStateChange((c) => {
      if (c.to === state && (!sessionId || c.session.id === sessionId)) {
        clearTimeout(timer);
        sub.dispose();
        resolve(c.session.id);
      }
    });
  });
}
