import { expect } from 'chai';
import type { SipRequest } from '../../src/message/message.js';
import type { ServerTransaction } from '../../src/transaction/index.js';
import { TransactionLayer } from '../../src/transaction/index.js';
import { copyOf, makeRequest, RecordingTransport, sourceOf, statusOf, VirtualClock } from './helpers.js';

describe('non-INVITE server transaction (RFC 3261 17.2.2)', () => {
  let clock: VirtualClock;
  let transport: RecordingTransport;
  let layer: TransactionLayer;
  let delivered: ServerTransaction[];

  function setup(protocol = 'udp'): void {
    clock = new VirtualClock();
    transport = new RecordingTransport(clock, protocol);
    layer = new TransactionLayer({ transport, scheduler: clock });
    delivered = [];
    layer.onRequest((tx) => delivered.push(tx));
  }

  function receive(method = 'OPTIONS'): { req: SipRequest; tx: ServerTransaction } {
    const req = makeRequest(method, { transport: transport.protocol });
    transport.inject(req, sourceOf(transport.protocol));
    return { req, tx: delivered.at(-1)! };
  }

  it('absorbs retransmissions silently in Trying and passes the request up once', async () => {
    setup('udp');
    const { req, tx } = receive();
    expect(tx.kind).to.equal('non-invite-server');
    expect(tx.state).to.equal('Trying');
    transport.inject(copyOf(req));
    await clock.advance(1000);
    expect(delivered).to.have.length(1);
    expect(transport.sent).to.have.length(0);
    expect(layer.stats().retransmissionsAbsorbed).to.equal(1);
  });

  it('answers retransmissions with the latest provisional in Proceeding and the final in Completed', async () => {
    setup('udp');
    const { req, tx } = receive('SUBSCRIBE');
    tx.respond(tx.createResponse(100));
    tx.respond(tx.createResponse(183));
    expect(tx.state).to.equal('Proceeding');
    transport.inject(copyOf(req));
    tx.respond(tx.createResponse(202));
    expect(tx.state).to.equal('Completed');
    transport.inject(copyOf(req));
    expect(transport.responses().map(statusOf)).to.deep.equal([100, 183, 183, 202, 202]);
    expect(delivered).to.have.length(1);
  });

  it('Timer J keeps the transaction 64*T1 over UDP', async () => {
    setup('udp');
    const { req, tx } = receive();
    tx.respond(tx.createResponse(200));
    await clock.advance(31_999);
    transport.inject(copyOf(req));
    expect(tx.state).to.equal('Completed');
    await clock.advance(1);
    expect(tx.state).to.equal('Terminated');
    expect(layer.sizes.servers).to.equal(0);
    // After J a retransmission is a new request for the TU (17.2.2: the TU answers again).
    transport.inject(copyOf(req));
    expect(delivered).to.have.length(2);
  });

  it('Timer J is zero over TCP', () => {
    setup('tcp');
    const { tx } = receive();
    tx.respond(tx.createResponse(200));
    expect(tx.state).to.equal('Terminated');
    expect(layer.sizes.servers).to.equal(0);
  });

  it('a stateless answer (8.2.7) goes out once and keeps nothing: a repeat is a new request', () => {
    setup('udp');
    const { req, tx } = receive('REGISTER');
    if (tx.kind !== 'non-invite-server') throw new Error('expected a non-INVITE server transaction');
    tx.respondStateless(tx.createResponse(401));
    expect(tx.state).to.equal('Terminated');
    expect(layer.sizes.servers).to.equal(0);
    transport.inject(copyOf(req));
    expect(delivered).to.have.length(2);
    expect(transport.responses().map(statusOf)).to.deep.equal([401]);
    expect(() => delivered[1]!.kind === 'non-invite-server' && delivered[1]!.respondStateless(delivered[1]!.createResponse(180))).to.throw(/must be final/);
  });

  it('refuses a second final response', () => {
    setup('udp');
    const { tx } = receive();
    tx.respond(tx.createResponse(200));
    expect(() => tx.respond(tx.createResponse(500))).to.throw(/state Completed/);
  });

  it('refuses a response whose CSeq method belongs to another request', () => {
    setup('udp');
    const { tx } = receive('BYE');
    const res = tx.createResponse(200);
    res.setHeader('CSeq', '1 INFO');
    expect(() => tx.respond(res)).to.throw(/CSeq method INFO/);
  });
});
