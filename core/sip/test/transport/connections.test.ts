import { expect } from 'chai';
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { SipTransportError, TransportLayer, isRequest } from '@rvoip/sip';
import { Inbox, makeRequest, responseTo, waitFor } from './helpers.js';

/** Raw SIP text with a correct Content-Length, for peers that are plain sockets. */
function rawOptions(branch: string, viaHostPort = '127.0.0.1:5999', extraVia = ''): string {
  return (
    'OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\n' +
    `Via: SIP/2.0/TCP ${viaHostPort};branch=z9hG4bK${branch}${extraVia}\r\n` +
    'Max-Forwards: 70\r\n' +
    'From: <sip:alice@example.com>;tag=1\r\n' +
    'To: <sip:bob@example.com>\r\n' +
    `Call-ID: ${branch}@test\r\n` +
    'CSeq: 1 OPTIONS\r\n' +
    'Content-Length: 0\r\n\r\n'
  );
}

function collect(socket: Socket): { text: () => string; ended: Promise<void> } {
  let buf = '';
  socket.on('data', (d: Buffer) => (buf += d.toString('latin1')));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { text: () => buf, ended };
}

async function dial(port: number): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('error', reject);
  });
  return s;
}

describe('stream connections', () => {
  let a: TransportLayer;
  let b: TransportLayer;
  afterEach(async () => {
    await a?.close();
    await b?.close();
    expect(a.idle && b.idle, 'no connection or timer left after close').to.equal(true);
  });

  it('uses one TCP connection for a request, its response and a second request to the same target', async () => {
    a = new TransportLayer();
    b = new TransportLayer();
    await a.listen(['tcp://127.0.0.1:0']);
    const [bp] = await b.listen(['tcp://127.0.0.1:0']);
    const inA = new Inbox(a);
    const seenOnB: string[] = [];
    b.onMessage((msg, source) => {
      if (!isRequest(msg)) return;
      seenOnB.push(source.connectionId!);
      void b.sendResponse(responseTo(msg), source);
    });
    const target = { protocol: 'tcp' as const, host: '127.0.0.1', port: bp!.port };
    await a.sendRequest(makeRequest('OPTIONS', 'sip:bob@127.0.0.1'), target);
    const first = await inA.next(1);
    await a.sendRequest(makeRequest('OPTIONS', 'sip:bob@127.0.0.1'), target);
    const second = await inA.next(2);
    expect(seenOnB).to.have.length(2);
    expect(seenOnB[0]).to.equal(seenOnB[1]);
    expect(first.source.connectionId).to.equal(second.source.connectionId);
    expect(a.stats().connections).to.equal(1);
    expect(b.stats().connections).to.equal(1);
  });

  it('sends a response on the connection the request came on even when Via names another port', async () => {
    b = new TransportLayer();
    a = new TransportLayer();
    const [bp] = await b.listen(['tcp://127.0.0.1:0']);
    b.onMessage((msg, source) => {
      if (isRequest(msg)) void b.sendResponse(responseTo(msg), source);
    });
    const sock = await dial(bp!.port);
    const out = collect(sock);
    sock.write(rawOptions('reuse1', '127.0.0.1:1'));
    await waitFor(() => out.text().includes('SIP/2.0 200 OK'), 'the 200 on the same connection');
    // Sent-by host equals the source and there is no rport: the Via comes back untouched.
    expect(out.text()).to.match(/Via: SIP\/2.0\/TCP 127\.0\.0\.1:1;branch=z9hG4bKreuse1/);
    sock.destroy();
  });

  it('reuses a connection opened by the peer for requests to its Via alias (RFC 5923)', async () => {
    b = new TransportLayer();
    a = new TransportLayer();
    const [bp] = await b.listen(['tcp://127.0.0.1:0']);
    const inB = new Inbox(b);
    const sock = await dial(bp!.port);
    const out = collect(sock);
    sock.write(rawOptions('alias1', '127.0.0.1:6123', ';alias'));
    await inB.next();
    await b.sendRequest(makeRequest('OPTIONS', 'sip:alice@127.0.0.1:6123;transport=tcp'));
    await waitFor(() => out.text().includes('OPTIONS sip:alice@127.0.0.1:6123'), 'the request over the aliased connection');
    expect(b.stats().connections).to.equal(1);
    sock.destroy();
  });

  it('answers a CRLFCRLF ping with a CRLF pong and keeps the connection', async () => {
    b = new TransportLayer();
    a = new TransportLayer();
    const [bp] = await b.listen(['tcp://127.0.0.1:0']);
    const inB = new Inbox(b);
    const sock = await dial(bp!.port);
    const out = collect(sock);
    sock.write('\r\n\r\n');
    await waitFor(() => out.text() === '\r\n', 'the pong');
    sock.write(rawOptions('afterping'));
    const got = await inB.next();
    expect(got.msg.callId).to.equal('afterping@test');
    sock.destroy();
  });

  it('sends client CRLF pings when keepAliveIntervalMs is set', async () => {
    a = new TransportLayer({ keepAliveIntervalMs: 20 });
    b = new TransportLayer();
    await a.listen(['tcp://127.0.0.1:0']);
    const server = createServer();
    const pings: string[] = [];
    server.on('connection', (s) => s.on('data', (d: Buffer) => pings.push(d.toString('latin1'))));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    await a.sendRequest(makeRequest('OPTIONS', 'sip:x@127.0.0.1'), { protocol: 'tcp', host: '127.0.0.1', port });
    await waitFor(() => pings.join('').includes('\r\n\r\n'), 'a client ping');
    await a.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('answers 400 and closes the connection on a bad Content-Length', async () => {
    b = new TransportLayer();
    a = new TransportLayer();
    const [bp] = await b.listen(['tcp://127.0.0.1:0']);
    const sock = await dial(bp!.port);
    const out = collect(sock);
    sock.write(rawOptions('badcl').replace('Content-Length: 0', 'Content-Length: -5'));
    await out.ended;
    expect(out.text()).to.match(/^SIP\/2.0 400 /);
    expect(out.text()).to.include('Call-ID: badcl@test');
    expect(b.stats().framingErrors).to.equal(1);
    await waitFor(() => b.stats().connections === 0, 'the connection to leave the table');
  });

  it('answers an unparseable but framed request with 400 and keeps the connection', async () => {
    b = new TransportLayer();
    a = new TransportLayer();
    const [bp] = await b.listen(['tcp://127.0.0.1:0']);
    const inB = new Inbox(b);
    const sock = await dial(bp!.port);
    const out = collect(sock);
    sock.write(rawOptions('badcseq').replace('CSeq: 1 OPTIONS', 'CSeq: 1 INVITE'));
    await waitFor(() => out.text().includes('SIP/2.0 400'), 'the 400');
    sock.write(rawOptions('good'));
    expect((await inB.next()).msg.callId).to.equal('good@test');
    expect(b.stats().badRequests).to.equal(1);
    sock.destroy();
  });

  it('closes connections that stay idle', async () => {
    b = new TransportLayer({ idleTimeoutMs: 100 });
    a = new TransportLayer();
    const [bp] = await b.listen(['tcp://127.0.0.1:0']);
    const sock = await dial(bp!.port);
    const out = collect(sock);
    await out.ended;
    expect(b.stats().connections).to.equal(0);
  });

  it('refuses connections beyond maxConnections', async () => {
    b = new TransportLayer({ maxConnections: 1 });
    a = new TransportLayer();
    const [bp] = await b.listen(['tcp://127.0.0.1:0']);
    const first = await dial(bp!.port);
    await waitFor(() => b.stats().connections === 1, 'the first connection');
    const second = await dial(bp!.port);
    await collect(second).ended;
    expect(b.stats().connections).to.equal(1);
    first.destroy();
  });

  it('rejects sendRequest to a closed TCP port with SipTransportError', async () => {
    a = new TransportLayer();
    b = new TransportLayer();
    await a.listen(['tcp://127.0.0.1:0']);
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const err = await a
      .sendRequest(makeRequest('OPTIONS', 'sip:x@127.0.0.1'), { protocol: 'tcp', host: '127.0.0.1', port })
      .then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(SipTransportError);
    expect((err as SipTransportError).code).to.equal('RVOIP_ERR_SIP_TRANSPORT');
    expect((err as SipTransportError).causeCode).to.equal('ECONNREFUSED');
    expect((err as Error).message).to.include(`127.0.0.1:${port}`);
  });
});
