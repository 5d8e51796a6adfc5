import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { TransportLayer, isRequest } from '@rvoip/sip';
import { Inbox, makeRequest, responseTo, waitFor } from './helpers.js';

function rawRequest(opts: { via: string; method?: string; version?: string; cseq?: string; callId?: string }): string {
  const method = opts.method ?? 'OPTIONS';
  return (
    `${method} sip:bob@127.0.0.1 ${opts.version ?? 'SIP/2.0'}\r\n` +
    `Via: ${opts.via}\r\n` +
    'Max-Forwards: 70\r\n' +
    'From: <sip:alice@example.com>;tag=1\r\n' +
    'To: <sip:bob@example.com>\r\n' +
    `Call-ID: ${opts.callId ?? 'c1'}@test\r\n` +
    `CSeq: ${opts.cseq ?? `1 ${method}`}\r\n` +
    'Content-Length: 0\r\n\r\n'
  );
}

interface Peer {
  socket: Socket;
  port: number;
  got: string[];
  send(text: string, port: number): void;
  close(): Promise<void>;
}

async function udpPeer(): Promise<Peer> {
  const socket = createSocket('udp4');
  const got: string[] = [];
  socket.on('message', (m) => got.push(m.toString('latin1')));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return {
    socket,
    port: socket.address().port,
    got,
    send: (text, port) => socket.send(Buffer.from(text), port, '127.0.0.1'),
    close: () => new Promise((r) => socket.close(() => r())),
  };
}

describe('UDP transport behaviour', () => {
  let layer: TransportLayer;
  let other: TransportLayer | undefined;
  let peers: Peer[] = [];
  afterEach(async () => {
    await layer.close();
    await other?.close();
    other = undefined;
    for (const p of peers) await p.close();
    peers = [];
    expect(layer.idle).to.equal(true);
  });

  async function setup(opts: ConstructorParameters<typeof TransportLayer>[0] = {}): Promise<number> {
    layer = new TransportLayer(opts);
    const [p] = await layer.listen(['udp://127.0.0.1:0']);
    return p!.port;
  }

  it('stamps received and fills rport, and answers to the source address and port (RFC 3581)', async () => {
    const port = await setup();
    const peer = await udpPeer();
    peers.push(peer);
    const inbox = new Inbox(layer);
    peer.send(rawRequest({ via: 'SIP/2.0/UDP 10.9.9.9:5070;branch=z9hG4bKrp1;rport' }), port);
    const { msg, source } = await inbox.next();
    const via = msg.topVia!;
    expect(via.received).to.equal('127.0.0.1');
    expect(via.rport).to.equal(peer.port);
    expect(source.remotePort).to.equal(peer.port);
    await layer.sendResponse(responseTo(msg as never), source);
    await waitFor(() => peer.got.length === 1, 'the response at the source port');
    expect(peer.got[0]).to.match(/^SIP\/2.0 200 OK/);
    expect(peer.got[0]).to.include('received=127.0.0.1');
    expect(peer.got[0]).to.include(`rport=${peer.port}`);
  });

  it('without rport answers to received and the sent-by port (RFC 3261 18.2.2)', async () => {
    const port = await setup();
    const sender = await udpPeer();
    const listener = await udpPeer();
    peers.push(sender, listener);
    const inbox = new Inbox(layer);
    sender.send(rawRequest({ via: `SIP/2.0/UDP localhost:${listener.port};branch=z9hG4bKnr1` }), port);
    const { msg, source } = await inbox.next();
    expect(msg.topVia!.received).to.equal('127.0.0.1');
    expect(msg.topVia!.rport).to.equal(undefined);
    const used = await layer.sendResponse(responseTo(msg as never), source);
    expect(used).to.deep.equal({ protocol: 'udp', host: '127.0.0.1', port: listener.port });
    await waitFor(() => listener.got.length === 1, 'the response at the sent-by port');
    expect(sender.got).to.have.length(0);
  });

  it('answers a broken request with 400, a bad version with 505, and ignores garbage it cannot answer', async () => {
    const port = await setup();
    const peer = await udpPeer();
    peers.push(peer);
    const via = 'SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKbad1;rport';
    peer.send(rawRequest({ via, cseq: 'abc OPTIONS', callId: 'bad400' }), port);
    await waitFor(() => peer.got.length === 1, 'the 400');
    expect(peer.got[0]).to.match(/^SIP\/2.0 400 /);
    expect(peer.got[0]).to.include('Call-ID: bad400@test');
    expect(peer.got[0]).to.match(/To: <sip:bob@example.com>;tag=/);
    peer.send(rawRequest({ via, version: 'SIP/3.0', callId: 'bad505' }), port);
    await waitFor(() => peer.got.length === 2, 'the 505');
    expect(peer.got[1]).to.match(/^SIP\/2.0 505 /);
    peer.send('\x16\x03\x01 this is not SIP at all\r\n\r\n', port);
    peer.send(rawRequest({ via, method: 'ACK', cseq: 'x ACK' }), port);
    peer.send('SIP/2.0 200 OK\r\nVia: nonsense\r\n\r\n', port);
    await waitFor(() => layer.stats().badRequests === 4 && layer.stats().badResponsesDropped === 1, 'all counted');
    expect(layer.stats().errorResponsesSent).to.equal(2);
    expect(peer.got).to.have.length(2);
  });

  it('drops responses whose top Via is not ours (RFC 3261 18.1.2)', async () => {
    const port = await setup();
    const peer = await udpPeer();
    peers.push(peer);
    const inbox = new Inbox(layer);
    const mk = (host: string, p: number): string =>
      'SIP/2.0 200 OK\r\n' +
      `Via: SIP/2.0/UDP ${host}:${p};branch=z9hG4bKr1\r\n` +
      'From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: r1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n';
    peer.send(mk('192.0.2.1', port), port);
    peer.send(mk('127.0.0.1', port), port);
    const got = await inbox.next();
    expect(got.msg.isRequest).to.equal(false);
    expect(layer.stats().foreignResponsesDropped).to.equal(1);
    expect(inbox.items).to.have.length(1);
  });

  it('moves a request within 200 bytes of the path MTU from UDP to TCP (RFC 3261 18.1.1)', async () => {
    layer = new TransportLayer();
    other = new TransportLayer();
    await layer.listen(['udp://127.0.0.1:0', 'tcp://127.0.0.1:0']);
    const [bu] = await other.listen(['udp://127.0.0.1:0']);
    await other.listen([{ protocol: 'tcp', host: '127.0.0.1', port: bu!.port }]);
    const inbox = new Inbox(other);
    const target = { protocol: 'udp' as const, host: '127.0.0.1', port: bu!.port };
    const small = await layer.sendRequest(makeRequest('MESSAGE', 'sip:b@127.0.0.1', { body: 'x'.repeat(100) }), target);
    expect(small.protocol).to.equal('udp');
    const big = await layer.sendRequest(makeRequest('MESSAGE', 'sip:b@127.0.0.1', { body: 'x'.repeat(1200) }), target);
    expect(big.protocol).to.equal('tcp');
    const second = await inbox.next(2);
    expect(second.source.protocol).to.equal('tcp');
    expect(second.msg.topVia!.transport).to.equal('TCP');
    expect(layer.stats().mtuSwitches).to.equal(1);
  });

  it('sheds new requests with 503 and Retry-After above the inbound queue cap, never ACKs or responses', async () => {
    const port = await setup({ cap: 3, concurrency: 1, retryAfterSeconds: 7 });
    const peer = await udpPeer();
    peers.push(peer);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handled: string[] = [];
    layer.onMessage(async (msg) => {
      handled.push(isRequest(msg) ? msg.method : `${msg.status}`);
      await gate;
    });
    const via = (n: number): string => `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKburst${n};rport`;
    for (let n = 0; n < 10; n++) peer.send(rawRequest({ via: via(n), callId: `burst${n}` }), port);
    await waitFor(() => peer.got.length === 7, 'seven 503s');
    for (const text of peer.got) {
      expect(text).to.match(/^SIP\/2.0 503 Service Unavailable/);
      expect(text).to.include('Retry-After: 7');
    }
    peer.send(rawRequest({ via: via(99), method: 'ACK', callId: 'burst0' }), port);
    peer.send(
      'SIP/2.0 200 OK\r\n' +
        `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKmine\r\n` +
        'From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\nCall-ID: r9\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
      port,
    );
    await waitFor(() => layer.stats().received === 12, 'ACK and response received');
    expect(layer.stats().shed).to.equal(7);
    release();
    await waitFor(() => handled.length === 5, 'the admitted messages handled');
    expect(handled.filter((m) => m === 'OPTIONS')).to.have.length(3);
    expect(handled).to.include('ACK');
    expect(handled).to.include('200');
    expect(peer.got).to.have.length(7);
  });
});
