import { expect } from 'chai';
import type { SipRequest } from '../../src/message/message.js';
import type { InviteServerTransaction, ServerTransaction } from '../../src/transaction/index.js';
import { TransactionLayer } from '../../src/transaction/index.js';
import { copyOf, makeRequest, RecordingTransport, sourceOf, statusOf, VirtualClock } from './helpers.js';

describe('INVITE server transaction (RFC 3261 17.2.1, RFC 6026)', () => {
  let clock: VirtualClock;
  let transport: RecordingTransport;
  let layer: TransactionLayer;
  let delivered: Array<{ tx: ServerTransaction; req: SipRequest }>;
  let acks: Array<{ ack: SipRequest; tx: InviteServerTransaction | undefined }>;

  function setup(protocol = 'udp'): void {
    clock = new VirtualClock();
    transport = new RecordingTransport(clock, protocol);
    layer = new TransactionLayer({ transport, scheduler: clock });
    delivered = [];
    acks = [];
    layer.onRequest((tx, req) => delivered.push({ tx, req }));
    layer.onAck((ack, _source, tx) => acks.push({ ack, tx }));
  }

  function receiveInvite(): { invite: SipRequest; tx: InviteServerTransaction; events: string[] } {
    const invite = makeRequest('INVITE', { transport: transport.protocol });
    transport.inject(invite, sourceOf(transport.protocol));
    const tx = delivered.at(-1)!.tx as InviteServerTransaction;
    const events: string[] = [];
    tx.on('state', (s) => events.push(s));
    tx.on('timeout', (e) => events.push(`timeout ${e.status}`));
    tx.on('ack', () => events.push('ack'));
    return { invite, tx, events };
  }

  function ackFor(invite: SipRequest, toTag: string): SipRequest {
    const ack = makeRequest('ACK', { branch: invite.topVia!.branch, toTag, callId: invite.callId, transport: transport.protocol });
    ack.setHeader('From', invite.headers.get('from')!);
    return ack;
  }

  it('sends 100 Trying on its own when the TU stays silent for 200 ms', async () => {
    setup('udp');
    const { tx } = receiveInvite();
    expect(tx.state).to.equal('Proceeding');
    await clock.advance(199);
    expect(transport.responses()).to.have.length(0);
    await clock.advance(1);
    expect(transport.responses().map(statusOf)).to.deep.equal([100]);
    const trying = transport.responses()[0]!.msg;
    expect(trying.headers.get('to')).to.equal('<sip:bob@example.com>');
  });

  it('takes the 100 Trying delay from the timers option', async () => {
    clock = new VirtualClock();
    transport = new RecordingTransport(clock, 'udp');
    layer = new TransactionLayer({ transport, scheduler: clock, timers: { trying: 50 } });
    delivered = [];
    layer.onRequest((tx, req) => delivered.push({ tx, req }));
    receiveInvite();
    await clock.advance(49);
    expect(transport.responses()).to.have.length(0);
    await clock.advance(1);
    expect(transport.responses().map(statusOf)).to.deep.equal([100]);
  });

  it('sends no 100 Trying when the TU answered within 200 ms', async () => {
    setup('udp');
    const { tx } = receiveInvite();
    await clock.advance(50);
    tx.respond(tx.createResponse(180));
    await clock.advance(1000);
    expect(transport.responses().map(statusOf)).to.deep.equal([180]);
  });

  it('absorbs INVITE retransmissions in Proceeding, answering with the latest provisional', async () => {
    setup('udp');
    const { invite, tx } = receiveInvite();
    tx.respond(tx.createResponse(180));
    transport.inject(copyOf(invite));
    transport.inject(copyOf(invite));
    expect(delivered).to.have.length(1);
    expect(transport.responses().map(statusOf)).to.deep.equal([180, 180, 180]);
    expect(layer.stats()).to.include({ retransmissionsAbsorbed: 2, retransmissionsSent: 2 });
  });

  it('Timer G retransmits a non-2xx final (T1 doubling, capped at T2) until the ACK; Timer I then ends it', async () => {
    setup('udp');
    const { invite, tx, events } = receiveInvite();
    const busy = tx.createResponse(486);
    tx.respond(busy);
    expect(tx.state).to.equal('Completed');
    await clock.advance(12_000);
    expect(transport.responses(486).map((r) => r.at)).to.deep.equal([0, 500, 1500, 3500, 7500, 11500]);
    transport.inject(ackFor(invite, tx.toTag));
    expect(tx.state).to.equal('Confirmed');
    expect(acks).to.have.length(0);
    transport.inject(ackFor(invite, tx.toTag));
    await clock.advance(4999);
    expect(tx.state).to.equal('Confirmed');
    expect(transport.responses(486)).to.have.length(6);
    await clock.advance(1);
    expect(events).to.deep.equal(['Completed', 'Confirmed', 'Terminated']);
    expect(delivered).to.have.length(1);
    expect(layer.sizes.servers).to.equal(0);
  });

  it('answers INVITE retransmissions in Completed with the final response', async () => {
    setup('udp');
    const { invite, tx } = receiveInvite();
    tx.respond(tx.createResponse(404));
    await clock.advance(100);
    transport.inject(copyOf(invite));
    expect(transport.responses(404).map((r) => r.at)).to.deep.equal([0, 100]);
  });

  it('Timer H (64*T1) gives up waiting for the ACK and reports a timeout', async () => {
    setup('udp');
    const { tx, events } = receiveInvite();
    tx.respond(tx.createResponse(480));
    await clock.advance(31_999);
    expect(tx.state).to.equal('Completed');
    // G: 0, 500, 1500, 3500, 7500, then every T2 up to 31500.
    expect(transport.responses(480)).to.have.length(11);
    await clock.advance(1);
    expect(events).to.deep.equal(['Completed', 'timeout 408', 'Terminated']);
    expect(layer.stats().timeouts).to.equal(1);
    expect(layer.sizes.servers).to.equal(0);
  });

  it('over TCP: no Timer G, Timer I is zero, Timer H still guards the ACK', async () => {
    setup('tcp');
    const first = receiveInvite();
    first.tx.respond(first.tx.createResponse(486));
    await clock.advance(10_000);
    expect(transport.responses(486)).to.have.length(1);
    transport.inject(ackFor(first.invite, first.tx.toTag), sourceOf('tcp'));
    expect(first.events).to.deep.equal(['Completed', 'Confirmed', 'Terminated']);

    const second = receiveInvite();
    second.tx.respond(second.tx.createResponse(486));
    await clock.advance(32_000);
    expect(second.events).to.deep.equal(['Completed', 'timeout 408', 'Terminated']);
    expect(layer.sizes.servers).to.equal(0);
  });

  it('a 2xx enters Accepted: INVITE retransmissions absorbed, ACKs and TU 2xx retransmissions pass, Timer L ends it', async () => {
    setup('udp');
    const { invite, tx, events } = receiveInvite();
    const ok = tx.createResponse(200);
    tx.respond(ok);
    expect(tx.state).to.equal('Accepted');
    transport.inject(copyOf(invite));
    expect(transport.responses(200)).to.have.length(1);
    expect(delivered).to.have.length(1);
    await clock.advance(500);
    tx.respond(ok); // the TU retransmits its 2xx (13.3.1.4)
    expect(transport.responses(200)).to.have.length(2);
    transport.inject(ackFor(invite, tx.toTag));
    expect(events).to.deep.equal(['Accepted', 'ack']);
    expect(acks).to.have.length(1);
    expect(acks[0]!.tx).to.equal(tx);
    await clock.advance(32_000 - 501);
    expect(tx.state).to.equal('Accepted');
    await clock.advance(1);
    expect(tx.state).to.equal('Terminated');
    expect(layer.sizes.servers).to.equal(0);
    // Later ACKs for the 2xx belong to the TU alone.
    transport.inject(ackFor(invite, tx.toTag));
    expect(acks).to.have.length(2);
    expect(acks[1]!.tx).to.equal(undefined);
  });

  it('refuses responses the state forbids', () => {
    setup('udp');
    const { tx } = receiveInvite();
    tx.respond(tx.createResponse(486));
    expect(() => tx.respond(tx.createResponse(200))).to.throw(/state Completed/);
    expect(() => tx.respond(tx.createResponse(180))).to.throw(/state Completed/);
    const other = receiveInvite().tx;
    expect(() => other.respond(other.createResponse(99))).to.throw(/outside 100-699/);
  });

  it('uses one To tag for every response but 100 (8.2.6.2)', () => {
    setup('udp');
    const { tx } = receiveInvite();
    const tags = [tx.createResponse(180), tx.createResponse(183), tx.createResponse(200)].map((r) => r.headers.get('to'));
    expect(new Set(tags).size).to.equal(1);
    expect(tags[0]).to.equal(`<sip:bob@example.com>;tag=${tx.toTag}`);
  });

  it('a transport failure on a response terminates with transportError (17.2.4)', async () => {
    setup('udp');
    const { tx } = receiveInvite();
    const errors: number[] = [];
    tx.on('transportError', (e) => errors.push(e.status));
    transport.fail = new Error('ENETUNREACH');
    tx.respond(tx.createResponse(500));
    await clock.advance(0);
    expect(errors).to.deep.equal([503]);
    expect(tx.terminationReason).to.equal('transport-error');
    expect(layer.sizes.servers).to.equal(0);
  });
});
