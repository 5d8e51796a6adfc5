import { expect } from 'chai';
import type { NonInviteClientTransaction } from '../../src/transaction/index.js';
import { TransactionLayer } from '../../src/transaction/index.js';
import { makeRequest, RecordingTransport, respondTo, VirtualClock } from './helpers.js';

describe('non-INVITE client transaction (RFC 3261 17.1.2)', () => {
  let clock: VirtualClock;
  let transport: RecordingTransport;
  let layer: TransactionLayer;

  function setup(protocol = 'udp'): void {
    clock = new VirtualClock();
    transport = new RecordingTransport(clock, protocol);
    layer = new TransactionLayer({ transport, scheduler: clock });
  }

  function register(): { tx: NonInviteClientTransaction; events: string[] } {
    const events: string[] = [];
    const tx = layer.sendRequest(makeRequest('REGISTER'), undefined, {
      provisional: (r) => events.push(`provisional ${r.status}`),
      final: (r) => events.push(`final ${r.status}`),
      timeout: (e) => events.push(`timeout ${e.status}`),
      terminated: (reason) => events.push(`terminated ${reason}`),
    }) as NonInviteClientTransaction;
    return { tx, events };
  }

  const sendTimes = () => transport.requests('REGISTER').map((r) => r.at);

  it('Timer E doubles from T1 and caps at T2 over UDP; Timer F (64*T1) times out', async () => {
    setup('udp');
    const { tx, events } = register();
    expect(tx.state).to.equal('Trying');
    await clock.advance(31_999);
    expect(sendTimes()).to.deep.equal([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    await clock.advance(1);
    expect(events).to.deep.equal(['timeout 408', 'terminated timeout']);
    expect(layer.stats()).to.include({ retransmissionsSent: 10, timeouts: 1 });
    expect(layer.sizes.clients).to.equal(0);
    expect(clock.pending).to.equal(0);
  });

  it('in Proceeding Timer E keeps firing every T2 until a final or Timer F', async () => {
    setup('udp');
    const { tx, events } = register();
    await clock.advance(600);
    transport.inject(respondTo(tx.request, 100));
    expect(tx.state).to.equal('Proceeding');
    await clock.advance(31_400);
    // The pending E (due at 1500) fires, then resets to T2 each time.
    expect(sendTimes()).to.deep.equal([0, 500, 1500, 5500, 9500, 13500, 17500, 21500, 25500, 29500]);
    expect(events).to.deep.equal(['provisional 100', 'timeout 408', 'terminated timeout']);
  });

  it('a final response completes it; Timer K (T4) absorbs retransmitted finals over UDP', async () => {
    setup('udp');
    const { tx, events } = register();
    await clock.advance(100);
    transport.inject(respondTo(tx.request, 200));
    expect(tx.state).to.equal('Completed');
    await clock.advance(4000);
    transport.inject(respondTo(tx.request, 200));
    expect(events).to.deep.equal(['final 200']);
    expect(sendTimes()).to.deep.equal([0]);
    expect(layer.stats().retransmissionsAbsorbed).to.equal(1);
    await clock.advance(999);
    expect(tx.state).to.equal('Completed');
    await clock.advance(1);
    expect(events).to.deep.equal(['final 200', 'terminated completed']);
    expect(layer.sizes.clients).to.equal(0);
  });

  it('over TCP there is no Timer E and Timer K is zero', async () => {
    setup('tcp');
    const { tx, events } = register();
    await clock.advance(20_000);
    expect(sendTimes()).to.deep.equal([0]);
    transport.inject(respondTo(tx.request, 401));
    expect(events).to.deep.equal(['final 401', 'terminated completed']);
    expect(layer.sizes.clients).to.equal(0);
  });

  it('Timer F fires over TCP too', async () => {
    setup('tcp');
    const { events } = register();
    await clock.advance(32_000);
    expect(sendTimes()).to.deep.equal([0]);
    expect(events).to.deep.equal(['timeout 408', 'terminated timeout']);
  });

  it('a retransmission that fails at the transport ends the transaction with transportError', async () => {
    setup('udp');
    const errors: number[] = [];
    const tx = layer.sendRequest(makeRequest('OPTIONS'), undefined, { transportError: (e) => errors.push(e.status) });
    await clock.advance(100);
    transport.fail = new Error('EHOSTUNREACH');
    await clock.advance(400);
    expect(errors).to.deep.equal([503]);
    expect(tx.state).to.equal('Terminated');
    expect(tx.terminationReason).to.equal('transport-error');
    expect(layer.sizes.clients).to.equal(0);
  });
});
