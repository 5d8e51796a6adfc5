import { expect } from 'chai';
import type { CallEvent, CallEventAdapter } from '@rvoip/contracts';
import { LocalEventSink } from '../../src/events/local-event-sink.js';

const ev = (n: number): CallEvent => ({ type: 'state-changed', sessionId: `s${n}`, at: new Date(), from: 'idle', to: 'calling' });

describe('LocalEventSink', () => {
  it('delivers in order per adapter, off the caller stack, and isolates a throwing adapter', async () => {
    const got: string[] = [];
    const good: CallEventAdapter = { onStateChange: (e) => { got.push(e.sessionId); } };
    const bad: CallEventAdapter = { onStateChange: () => { throw new Error('boom'); } };
    const sink = new LocalEventSink(() => [bad, good]);
    sink.publish(ev(1));
    sink.publish(ev(2));
    expect(got).to.deep.equal([]);
    await sink.drain();
    expect(got).to.deep.equal(['s1', 's2']);
    expect(sink.failures).to.equal(2);
  });

  it('abandons an adapter call after the timeout and drops events beyond the queue bound', async () => {
    const got: string[] = [];
    const hanging: CallEventAdapter = { onStateChange: () => new Promise<void>(() => undefined) };
    const good: CallEventAdapter = { onStateChange: (e) => { got.push(e.sessionId); } };
    const sink = new LocalEventSink(() => [hanging, good], { eventTimeoutMs: 30, queueSize: 2 });
    for (let i = 1; i <= 3; i++) sink.publish(ev(i));
    expect(sink.dropped).to.equal(2); // the third event, for each adapter
    await sink.drain(1000);
    expect(sink.timedOut).to.equal(2);
    expect(got).to.deep.equal(['s1', 's2']);
  });
});
