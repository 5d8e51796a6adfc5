import { expect } from 'chai';
import type { SipRequest, SipResponse } from '../../src/message/message.js';
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
    const states: string[] = [];
    tx.on('state', (state) => states.push(state));
    tx.respond(tx.createResponse(202));
    expect(states).to.deep.equal(['Completed', 'Terminated']);
    transport.inject(copyOf(req));
    expect(transport.responses().map(statusOf)).to.deep.equal([100, 183, 183, 202, 202]);
    expect(delivered).to.have.length(1);
    expect(layer.stats().retransmissionsAbsorbed).to.equal(2);
  });

  it('Timer J: the layer answers retransmissions with the final for 64*T1 over UDP, from its bytes alone', async () => {
    setup('udp');
    const { req, tx } = receive();
    const ok = tx.createResponse(200);
    ok.setHeader('X-Probe', 'kept');
    tx.respond(ok);
    // The transaction object is done; the layer keeps only the final's wire form.
    expect(tx.state).to.equal('Terminated');
    expect(layer.sizes).to.deep.include({ servers: 0, completedFinals: 1 });
    await clock.advance(31_999);
    transport.inject(copyOf(req));
    expect(delivered).to.have.length(1);
    const resent = transport.responses();
    expect(resent.map(statusOf)).to.deep.equal([200, 200]);
    const again = resent[1]!.msg as SipResponse;
    expect(again.headers.get('X-Probe')).to.equal('kept');
    expect(again.to.tag).to.equal(ok.to.tag);
    // Gone at J plus at most T1/4 (entries expire in batches).
    await clock.advance(1 + 125);
    expect(layer.sizes.completedFinals).to.equal(0);
    expect(clock.pending).to.equal(0);
    // After J a retransmission is a new request for the TU (17.2.2: the TU answers again).
    transport.inject(copyOf(req));
    expect(delivered).to.have.length(2);
  });

  it('a request merging (8.2.2.2) with one already answered is flagged to the TU', () => {
    setup('udp');
    const contexts: boolean[] = [];
    layer.onRequest((_tx, _req, _source, context) => contexts.push(context.merged === true));
    const { req, tx } = receive('MESSAGE');
    tx.respond(tx.createResponse(200));
    // The same request forked along another path: same From tag, Call-ID and CSeq, new branch.
    const fork = copyOf(req);
    fork.setHeader('Via', 'SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bK-other-path');
    transport.inject(fork);
    expect(contexts).to.deep.equal([false, true]);
    expect(layer.stats().mergedRequests).to.equal(1);
  });

  it('keeps finals apart per transaction: two requests, two answers, each resent to its own retransmission', async () => {
    setup('udp');
    const a = receive();
    const b = receive();
    a.tx.respond(a.tx.createResponse(200));
    b.tx.respond(b.tx.createResponse(486));
    transport.inject(copyOf(b.req));
    transport.inject(copyOf(a.req));
    expect(transport.responses().map(statusOf)).to.deep.equal([200, 486, 486, 200]);
    layer.close();
    expect(layer.sizes.completedFinals).to.equal(0);
    expect(clock.pending).to.equal(0);
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

  it('a final that fails to send after its transaction ended is counted, not lost in a dead transaction', async () => {
    setup('udp');
    const { tx } = receive();
    const events: string[] = [];
    tx.on('transportError', () => events.push('transportError'));
    transport.fail = new Error('ENETUNREACH');
    tx.respond(tx.createResponse(200));
    await clock.advance(0);
    expect(tx.state).to.equal('Terminated');
    expect(events).to.deep.equal([]);
    expect(layer.stats().transportErrors).to.equal(1);
  });

  it('refuses a second final response', () => {
    setup('udp');
    const { tx } = receive();
    tx.respond(tx.createResponse(200));
    expect(() => tx.respond(tx.createResponse(500))).to.throw(/state Terminated/);
  });

  it('refuses a response whose CSeq method belongs to another request', () => {
    setup('udp');
    const { tx } = receive('BYE');
    const res = tx.createResponse(200);
    res.setHeader('CSeq', '1 INFO');
    expect(() => tx.respond(res)).to.throw(/CSeq method INFO/);
  });
});
