import { expect } from 'chai';
import type { SipResponse } from '../../src/message/message.js';
import type { InviteClientTransaction, SipTransactionError } from '../../src/transaction/index.js';
import { TransactionLayer } from '../../src/transaction/index.js';
import { copyOf, makeRequest, RecordingTransport, respondTo, VirtualClock } from './helpers.js';

describe('INVITE client transaction (RFC 3261 17.1.1, RFC 6026)', () => {
  let clock: VirtualClock;
  let transport: RecordingTransport;
  let layer: TransactionLayer;

  function setup(protocol = 'udp', timers = {}): void {
    clock = new VirtualClock();
    transport = new RecordingTransport(clock, protocol);
    layer = new TransactionLayer({ transport, scheduler: clock, timers });
  }

  function invite(): { tx: InviteClientTransaction; events: string[]; finals: SipResponse[] } {
    const events: string[] = [];
    const finals: SipResponse[] = [];
    const tx = layer.sendRequest(makeRequest('INVITE', { routes: ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>'] }), undefined, {
      provisional: (r) => events.push(`provisional ${r.status}`),
      final: (r) => {
        events.push(`final ${r.status}`);
        finals.push(r);
      },
      timeout: (e) => events.push(`timeout ${e.status}`),
      transportError: (e) => events.push(`transportError ${e.status}`),
      terminated: (reason) => events.push(`terminated ${reason}`),
    }) as InviteClientTransaction;
    return { tx, events, finals };
  }

  it('retransmits with Timer A doubling from T1 over UDP until Timer B (64*T1) times out', async () => {
    setup('udp');
    const { tx, events } = invite();
    expect(tx.state).to.equal('Calling');
    await clock.advance(31_999);
    expect(transport.requests('INVITE').map((r) => r.at)).to.deep.equal([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(tx.state).to.equal('Calling');
    await clock.advance(1);
    expect(events).to.deep.equal(['timeout 408', 'terminated timeout']);
    expect(tx.state).to.equal('Terminated');
    expect(layer.stats()).to.include({ retransmissionsSent: 6, timeouts: 1 });
    expect(layer.sizes.clients).to.equal(0);
    expect(clock.pending).to.equal(0);
  });

  it('honours configured timers: T1 = 100 ms gives A at 100, 300, 700... and B at 6.4 s', async () => {
    setup('udp', { T1: 100 });
    const { events } = invite();
    await clock.advance(6399);
    expect(transport.requests('INVITE').map((r) => r.at)).to.deep.equal([0, 100, 300, 700, 1500, 3100, 6300]);
    expect(events).to.deep.equal([]);
    await clock.advance(1);
    expect(events).to.deep.equal(['timeout 408', 'terminated timeout']);
  });

  it('never retransmits over a reliable transport; Timer B still fires', async () => {
    setup('tcp');
    const { events } = invite();
    await clock.advance(32_000);
    expect(transport.requests('INVITE')).to.have.length(1);
    expect(events).to.deep.equal(['timeout 408', 'terminated timeout']);
  });

  it('a provisional moves to Proceeding, stops Timer A and disarms Timer B', async () => {
    setup('udp');
    const { tx, events } = invite();
    await clock.advance(600);
    transport.inject(respondTo(tx.request, 180));
    expect(tx.state).to.equal('Proceeding');
    await clock.advance(120_000);
    expect(transport.requests('INVITE')).to.have.length(2);
    expect(tx.state).to.equal('Proceeding');
    transport.inject(respondTo(tx.request, 183));
    expect(events).to.deep.equal(['provisional 180', 'provisional 183']);
    expect(tx.activeTimers).to.deep.equal([]);
  });

  it('a non-2xx final is ACKed by the transaction itself (17.1.1.3) and Timer D absorbs retransmissions', async () => {
    setup('udp');
    const { tx, events } = invite();
    transport.inject(respondTo(tx.request, 100));
    transport.inject(respondTo(tx.request, 486, 'busy-tag'));
    expect(tx.state).to.equal('Completed');
    const acks = transport.requests('ACK');
    expect(acks).to.have.length(1);
    const ack = acks[0]!.msg as typeof tx.request;
    expect(ack.rawUri).to.equal(tx.request.rawUri);
    expect(ack.headers.getAll('via')).to.deep.equal([tx.request.headers.get('via')]);
    expect(ack.topVia!.branch).to.equal(tx.branch);
    expect(ack.headers.getAll('route')).to.deep.equal(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    expect(ack.headers.get('to')).to.equal('<sip:bob@example.com>;tag=busy-tag');
    expect(ack.headers.get('from')).to.equal(tx.request.headers.get('from'));
    expect(ack.callId).to.equal(tx.request.callId);
    expect(ack.cseq).to.deep.include({ seq: 1, method: 'ACK' });
    expect(acks[0]!.target).to.deep.equal(transport.requests('INVITE')[0]!.target);

    // The server missed our ACK: its retransmitted 486 is answered, not passed up.
    await clock.advance(1000);
    transport.inject(respondTo(tx.request, 486, 'busy-tag'));
    expect(transport.requests('ACK')).to.have.length(2);
    expect(events).to.deep.equal(['provisional 100', 'final 486']);

    await clock.advance(32_000 - 1001);
    expect(tx.state).to.equal('Completed');
    await clock.advance(1);
    expect(events).to.deep.equal(['provisional 100', 'final 486', 'terminated completed']);
    expect(layer.sizes.clients).to.equal(0);
  });

  it('Timer D is zero over a reliable transport', async () => {
    setup('tcp');
    const { tx, events } = invite();
    await clock.advance(10);
    transport.inject(respondTo(tx.request, 603));
    expect(events).to.deep.equal(['final 603', 'terminated completed']);
    expect(transport.requests('ACK')).to.have.length(1);
    expect(layer.sizes.clients).to.equal(0);
  });

  it('a 2xx enters Accepted; retransmitted 2xx reach the TU until Timer M, then become stray', async () => {
    setup('udp');
    const { tx, events, finals } = invite();
    const strays: number[] = [];
    layer.onStrayResponse((res) => strays.push(res.status));
    const ok = respondTo(tx.request, 200, 'callee');
    transport.inject(ok);
    expect(tx.state).to.equal('Accepted');
    await clock.advance(4000);
    transport.inject(copyOf(ok));
    transport.inject(respondTo(tx.request, 200, 'other-fork'));
    expect(finals.map((r) => r.headers.get('to'))).to.deep.equal([
      '<sip:bob@example.com>;tag=callee',
      '<sip:bob@example.com>;tag=callee',
      '<sip:bob@example.com>;tag=other-fork',
    ]);
    expect(transport.requests('ACK')).to.have.length(0);
    expect(transport.requests('INVITE')).to.have.length(1);
    await clock.advance(32_000 - 4001);
    expect(tx.state).to.equal('Accepted');
    await clock.advance(1);
    expect(events.at(-1)).to.equal('terminated completed');
    transport.inject(copyOf(ok));
    expect(strays).to.deep.equal([200]);
    expect(layer.sizes.clients).to.equal(0);
  });

  it('a transport failure terminates the transaction with a 503-equivalent event (8.1.3.1)', async () => {
    setup('udp');
    transport.fail = new Error('ECONNREFUSED');
    let error: SipTransactionError | undefined;
    const tx = layer.sendRequest(makeRequest('INVITE'), undefined, { transportError: (e) => (error = e) });
    await clock.advance(0);
    expect(tx.state).to.equal('Terminated');
    expect(error!.status).to.equal(503);
    expect(error!.code).to.equal('RVOIP_ERR_SIP_TRANSACTION_TRANSPORT');
    expect(layer.stats().transportErrors).to.equal(1);
    expect(layer.sizes.clients).to.equal(0);
  });

  it('a response to another method with the same branch does not match (17.1.3)', async () => {
    setup('udp');
    const { tx, events } = invite();
    const cancelResponse = respondTo(tx.request, 200);
    cancelResponse.setHeader('CSeq', '1 CANCEL');
    transport.inject(cancelResponse);
    expect(tx.state).to.equal('Calling');
    expect(events).to.deep.equal([]);
    expect(layer.stats().strayResponses).to.equal(1);
  });
});
