/**
 * Two TransactionLayers over the real TransportLayer on 127.0.0.1 (UDP and TCP sockets,
 * ephemeral ports): final responses and ACKs, 2xx to the TU, retransmission absorption
 * against raw datagrams, CANCEL, reliable transports, timeouts and packet loss.
 */
import { expect } from 'chai';
import { parseMessage, serializeMessage } from '../../src/message/index.js';
import type { SipRequest, SipResponse } from '../../src/message/index.js';
import type {
  IncomingRequestContext,
  InviteClientTransaction,
  InviteServerTransaction,
  ServerTransaction,
  SipTransactionError,
} from '../../src/transaction/index.js';
import { TransactionLayer } from '../../src/transaction/index.js';
import { TransportLayer } from '../../src/transport/index.js';
import { makeRequest } from './helpers.js';
import type { Peer } from './net-helpers.js';
import { FAST_TIMERS, LossyRelay, rawSocket, sendRaw, startPeer, waitFor } from './net-helpers.js';

interface Incoming {
  tx: ServerTransaction;
  req: SipRequest;
  context: IncomingRequestContext;
}

function request(method: string, peer: Peer, protocol: 'udp' | 'tcp'): SipRequest {
  const req = makeRequest(method, { uri: `sip:bob@127.0.0.1:${peer.target(protocol).port}`, transport: protocol });
  req.removeHeader('Via'); // the transaction and transport layers write our own
  return req;
}

function collect(peer: Peer): Incoming[] {
  const incoming: Incoming[] = [];
  peer.layer.onRequest((tx, req, _source, context) => incoming.push({ tx, req, context }));
  return incoming;
}

describe('transactions over real sockets (127.0.0.1)', function () {
  let client: Peer;
  let server: Peer;
  const sockets: Array<{ close(): void }> = [];

  beforeEach(async () => {
    client = await startPeer();
    server = await startPeer();
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await client.close();
    await server.close();
  });

  it('INVITE answered 486 over UDP: the client transaction ACKs it and the server confirms', async () => {
    const incoming = collect(server);
    const serverAcks: unknown[] = [];
    server.layer.onAck((ack) => serverAcks.push(ack));
    const finals: SipResponse[] = [];
    const tx = client.layer.sendRequest(request('INVITE', server, 'udp'), server.target('udp'), {
      final: (r) => finals.push(r),
    }) as InviteClientTransaction;
    await waitFor(() => incoming.length === 1, 'the INVITE at the server');
    const stx = incoming[0]!.tx as InviteServerTransaction;
    const states: string[] = [];
    stx.on('state', (s) => states.push(s));
    stx.respond(stx.createResponse(486));
    await waitFor(() => states.includes('Terminated'), 'the server transaction to end');
    expect(states.slice(0, 2)).to.deep.equal(['Completed', 'Confirmed']);
    expect(finals.map((r) => r.status)).to.deep.equal([486]);
    expect(tx.generatedAck!.topVia!.branch).to.equal(tx.branch);
    expect(serverAcks).to.have.length(0); // the ACK for a non-2xx belongs to the transaction
    await waitFor(() => client.layer.sizes.clients === 0, 'Timer D on the client');
    expect(server.layer.sizes.servers).to.equal(0);
  });

  it('INVITE answered 200 over UDP: the 2xx reaches the TU, whose own ACK reaches the server TU', async () => {
    const incoming = collect(server);
    const serverAcks: Array<{ ack: SipRequest; tx: unknown }> = [];
    server.layer.onAck((ack, _s, tx) => serverAcks.push({ ack, tx }));
    const finals: SipResponse[] = [];
    const invite = request('INVITE', server, 'udp');
    const tx = client.layer.sendRequest(invite, server.target('udp'), { final: (r) => finals.push(r) });
    await waitFor(() => incoming.length === 1, 'the INVITE at the server');
    const stx = incoming[0]!.tx;
    stx.respond(stx.createResponse(180));
    stx.respond(stx.createResponse(200));
    await waitFor(() => finals.length >= 1, 'the 200 at the client');
    expect(tx.state).to.equal('Accepted');
    expect(finals[0]!.headers.get('to')).to.contain(`tag=${stx.toTag}`);

    const ack = makeRequest('ACK', { uri: invite.rawUri, callId: invite.callId, toTag: stx.toTag });
    ack.removeHeader('Via');
    ack.setHeader('From', invite.headers.get('from')!);
    await client.layer.sendAck(ack, tx.target);
    await waitFor(() => serverAcks.length === 1, 'the ACK at the server TU');
    expect(serverAcks[0]!.tx).to.equal(undefined); // a new branch: no transaction owns it
    expect(serverAcks[0]!.ack.callId).to.equal(invite.callId);
    await waitFor(() => server.layer.sizes.servers === 0 && client.layer.sizes.clients === 0, 'Timers L and M');
  });

  it('absorbs raw datagram retransmissions: one TU delivery, the response sent again', async () => {
    const incoming = collect(server);
    const raw = await rawSocket();
    sockets.push(raw.socket);
    const options = makeRequest('OPTIONS', { uri: `sip:bob@127.0.0.1:${server.udp.port}`, sentBy: `127.0.0.1:${raw.port}` });
    const bytes = serializeMessage(options);
    await sendRaw(raw.socket, bytes, server.udp.port);
    await sendRaw(raw.socket, bytes, server.udp.port);
    await waitFor(() => server.layer.stats().retransmissionsAbsorbed === 1, 'the copy to be absorbed');
    expect(incoming).to.have.length(1);
    const tx = incoming[0]!.tx;
    tx.respond(tx.createResponse(200));
    await waitFor(() => raw.received.length === 1, 'the 200');
    await sendRaw(raw.socket, bytes, server.udp.port);
    await waitFor(() => raw.received.length === 2, 'the 200 sent again');
    const statuses = raw.received.map((r) => (parseMessage(Buffer.from(r.text)) as SipResponse).status);
    expect(statuses).to.deep.equal([200, 200]);
    expect(incoming).to.have.length(1);
    expect(server.layer.stats().retransmissionsSent).to.equal(1);
  });

  it('answers a retransmitted raw INVITE with the latest provisional', async () => {
    const incoming = collect(server);
    const raw = await rawSocket();
    sockets.push(raw.socket);
    const invite = makeRequest('INVITE', { uri: `sip:bob@127.0.0.1:${server.udp.port}`, sentBy: `127.0.0.1:${raw.port}` });
    const bytes = serializeMessage(invite);
    await sendRaw(raw.socket, bytes, server.udp.port);
    await waitFor(() => incoming.length === 1, 'the INVITE');
    const tx = incoming[0]!.tx;
    tx.respond(tx.createResponse(180));
    await waitFor(() => raw.received.length === 1, 'the 180');
    await sendRaw(raw.socket, bytes, server.udp.port);
    await waitFor(() => raw.received.length === 2, 'the 180 again');
    expect(raw.received.map((r) => r.text.split('\r\n')[0])).to.deep.equal(['SIP/2.0 180 Ringing', 'SIP/2.0 180 Ringing']);
    expect(incoming).to.have.length(1);
    tx.respond(tx.createResponse(487));
  });

  it('matches a CANCEL to the INVITE it cancels (9.2) and completes both transactions', async () => {
    const incoming = collect(server);
    const finals: number[] = [];
    const invite = client.layer.sendRequest(request('INVITE', server, 'udp'), server.target('udp'), {
      final: (r) => finals.push(r.status),
    }) as InviteClientTransaction;
    await waitFor(() => incoming.length === 1, 'the INVITE');
    const stx = incoming[0]!.tx as InviteServerTransaction;
    stx.respond(stx.createResponse(180));
    const cancel = await client.layer.cancel(invite, { final: (r) => finals.push(r.status) });
    await waitFor(() => incoming.length === 2, 'the CANCEL');
    const { tx: cancelTx, req, context } = incoming[1]!;
    expect(req.method).to.equal('CANCEL');
    expect(context.cancelTarget).to.equal(stx);
    cancelTx.respond(cancelTx.createResponse(200));
    stx.respond(stx.createResponse(487));
    await waitFor(() => finals.length === 2, 'both final responses');
    expect(finals.sort()).to.deep.equal([200, 487]);
    expect(cancel.branch).to.equal(invite.branch);
    await waitFor(() => stx.state === 'Confirmed' || stx.state === 'Terminated', 'the ACK for the 487');
  });

  it('runs a non-INVITE transaction over TCP without any retransmission', async () => {
    const incoming = collect(server);
    const finals: number[] = [];
    const tx = client.layer.sendRequest(request('MESSAGE', server, 'tcp'), server.target('tcp'), {
      final: (r) => finals.push(r.status),
    });
    await waitFor(() => incoming.length === 1, 'the MESSAGE');
    expect(incoming[0]!.tx.reliable).to.equal(true);
    // Give a UDP sender time to retransmit several times (Timer E at 20, 60, 140 ms...).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stx = incoming[0]!.tx;
    stx.respond(stx.createResponse(200));
    expect(stx.state).to.equal('Terminated'); // Timer J is zero on TCP
    await waitFor(() => finals.length === 1, 'the 200');
    expect(tx.state).to.equal('Terminated'); // Timer K is zero on TCP
    expect(client.layer.stats().retransmissionsSent).to.equal(0);
    expect(server.layer.stats().retransmissionsAbsorbed).to.equal(0);
    expect(client.layer.sizes.clients + server.layer.sizes.servers).to.equal(0);
  });

  it('times out (Timers B and F) against a silent UDP port, having retransmitted', async () => {
    const silent = await rawSocket();
    sockets.push(silent.socket);
    const target = { protocol: 'udp', host: '127.0.0.1', port: silent.port };
    const errors: SipTransactionError[] = [];
    const uri = `sip:nobody@127.0.0.1:${silent.port}`;
    for (const method of ['INVITE', 'OPTIONS']) {
      const req = makeRequest(method, { uri });
      req.removeHeader('Via');
      client.layer.sendRequest(req, target, { timeout: (e) => errors.push(e) });
    }
    await waitFor(() => errors.length === 2, 'both timeouts');
    expect(errors.map((e) => [e.status, e.details.timer]).sort()).to.deep.equal([
      [408, 'B'],
      [408, 'F'],
    ]);
    expect(client.layer.stats().timeouts).to.equal(2);
    expect(client.layer.stats().retransmissionsSent).to.be.greaterThan(1);
    const firstLines = silent.received.map((r) => r.text.split('\r\n')[0]);
    expect(firstLines.filter((l) => l.startsWith('INVITE')).length).to.be.greaterThan(1);
    expect(firstLines.filter((l) => l.startsWith('OPTIONS')).length).to.be.greaterThan(1);
    expect(client.layer.sizes.clients).to.equal(0);
  });

  it('completes through a lossy relay by retransmitting requests and responses', async () => {
    // Requests: the first two OPTIONS copies are lost; Timer E delivers the third.
    const lossyRequests = await new LossyRelay(server.udp.port, 2, 0).start();
    sockets.push(lossyRequests);
    const incoming = collect(server);
    const finals: number[] = [];
    const options = makeRequest('OPTIONS', { uri: `sip:bob@127.0.0.1:${lossyRequests.port}` });
    options.removeHeader('Via');
    client.layer.sendRequest(options, { protocol: 'udp', host: '127.0.0.1', port: lossyRequests.port }, {
      final: (r) => finals.push(r.status),
    });
    await waitFor(() => incoming.length === 1, 'the OPTIONS past the losses');
    incoming[0]!.tx.respond(incoming[0]!.tx.createResponse(200));
    await waitFor(() => finals.length === 1, 'the 200');
    expect(lossyRequests.droppedToServer).to.equal(2);
    expect(client.layer.stats().retransmissionsSent).to.be.at.least(2);
    expect(incoming).to.have.length(1);

    // Responses: the first two 486s are lost; Timer G delivers a later copy, the ACK stops it.
    const lossyResponses = await new LossyRelay(server.udp.port, 0, 2).start();
    sockets.push(lossyResponses);
    const invite = makeRequest('INVITE', { uri: `sip:bob@127.0.0.1:${lossyResponses.port}` });
    invite.removeHeader('Via');
    const itx = client.layer.sendRequest(invite, { protocol: 'udp', host: '127.0.0.1', port: lossyResponses.port }, {
      final: (r) => finals.push(r.status),
    });
    await waitFor(() => incoming.length === 2, 'the INVITE');
    const stx = incoming[1]!.tx as InviteServerTransaction;
    stx.respond(stx.createResponse(486));
    await waitFor(() => finals.length === 2 && stx.state !== 'Completed', 'the 486 past the losses and its ACK');
    expect(finals[1]).to.equal(486);
    expect(itx.state).to.be.oneOf(['Completed', 'Terminated']);
    expect(lossyResponses.droppedToClient).to.equal(2);
    // A 100 Trying may have been among the losses; either way a 486 retransmission got through.
    expect(lossyResponses.fromServer.filter((l) => l.startsWith('SIP/2.0 486')).length).to.be.at.least(2);
  });

  it('surfaces a TCP connection refusal as a transport error (8.1.3.1, 503)', async () => {
    // Bind and close a TCP listener to get a port that refuses connections.
    const probe = new TransportLayer();
    const [point] = await probe.listen(['tcp://127.0.0.1:0']);
    await probe.close();
    const layer = new TransactionLayer({ transport: client.transport, timers: FAST_TIMERS, attach: false });
    const errors: number[] = [];
    const req = makeRequest('OPTIONS', { uri: `sip:x@127.0.0.1:${point!.port};transport=tcp` });
    req.removeHeader('Via');
    const tx = layer.sendRequest(req, { protocol: 'tcp', host: '127.0.0.1', port: point!.port }, {
      transportError: (e) => errors.push(e.status),
    });
    await waitFor(() => tx.terminated, 'the refusal');
    expect(errors).to.deep.equal([503]);
    expect(layer.sizes.clients).to.equal(0);
  });
});
