import { expect } from 'chai';
import WebSocket from 'ws';
import { SipTransportError, TransportLayer, parseListenSpec, parseMessage, stampReceivedVia } from '@rvoip/sip';
import type { TransactionTransport } from '@rvoip/sip';
import { makeRequest, waitFor } from './helpers.js';

describe('TransportLayer surface', () => {
  it('parses listen addresses, IPv6 included, and refuses malformed ones', () => {
    expect(parseListenSpec('udp://127.0.0.1:5060')).to.deep.equal({ protocol: 'udp', host: '127.0.0.1', port: 5060 });
    expect(parseListenSpec('tcp://[::1]:0')).to.deep.equal({ protocol: 'tcp', host: '::1', port: 0 });
    expect(parseListenSpec('ws://0.0.0.0')).to.deep.equal({ protocol: 'ws', host: '0.0.0.0', port: 80 });
    expect(parseListenSpec('tls://[::]:5061', { key: 'k', cert: 'c' })).to.deep.include({ protocol: 'tls', host: '::', port: 5061 });
    for (const bad of ['sctp://1.2.3.4:5060', 'udp:/1.2.3.4', 'udp://1.2.3.4:70000', 'tls://1.2.3.4:5061']) {
      expect(() => parseListenSpec(bad), bad).to.throw(SipTransportError);
    }
  });

  it('reports listening points and builds our Via/Contact host:port per transport', async () => {
    const layer = new TransportLayer();
    try {
      const points = await layer.listen([
        'udp://127.0.0.1:0',
        'tcp://[::1]:0',
        { protocol: 'udp', host: '::1', port: 0, advertisedHost: 'sip.example.test' },
      ]);
      expect(layer.listeningPoints()).to.deep.equal(points);
      expect(layer.localHostPort('udp', 4)).to.equal(`127.0.0.1:${points[0]!.port}`);
      expect(layer.localHostPort('tcp')).to.equal(`[::1]:${points[1]!.port}`);
      expect(layer.localHostPort('udp', 6)).to.equal(`sip.example.test:${points[2]!.port}`);
      expect(layer.contactUri('tcp', 'alice').toString()).to.equal(`sip:alice@[::1]:${points[1]!.port};transport=tcp`);
      expect(() => layer.localHostPort('tls')).to.throw(SipTransportError);
    } finally {
      await layer.close();
      await layer.close();
    }
    expect(layer.idle).to.equal(true);
  });

  it('fills the top Via sent-by, transport and rport of an outgoing request', async () => {
    const a = new TransportLayer();
    const b = new TransportLayer();
    try {
      const [ap] = await a.listen(['udp://127.0.0.1:0']);
      const [bp] = await b.listen(['udp://127.0.0.1:0']);
      const req = makeRequest('OPTIONS', 'sip:b@127.0.0.1');
      req.appendHeader('Via', 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKsecond');
      await a.sendRequest(req, { protocol: 'udp', host: '127.0.0.1', port: bp!.port });
      expect(req.vias).to.have.length(2);
      expect(req.topVia!.sentBy).to.equal(`127.0.0.1:${ap!.port}`);
      expect(req.topVia!.rport).to.equal(null);
      expect(req.vias[1]!.branch).to.equal('z9hG4bKsecond');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('stamps received/rport on the first value of a comma-joined Via line and keeps the rest', () => {
    const msg = parseMessage(
      Buffer.from(
        'OPTIONS sip:b@127.0.0.1 SIP/2.0\r\n' +
          'Via: SIP/2.0/UDP host.test;branch=z9hG4bK1;rport, SIP/2.0/TCP [2001:db8::2]:5070;branch=z9hG4bK2\r\n' +
          'Via: SIP/2.0/UDP third.test;branch=z9hG4bK3\r\n' +
          'From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: cj\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
      ),
    );
    const changed = stampReceivedVia(msg, {
      protocol: 'udp',
      localAddress: '127.0.0.1',
      localPort: 5060,
      remoteAddress: '192.0.2.9',
      remotePort: 40000,
    });
    expect(changed).to.equal(true);
    expect(msg.headers.getAll('via')).to.deep.equal([
      'SIP/2.0/UDP host.test;branch=z9hG4bK1;rport=40000;received=192.0.2.9',
      'SIP/2.0/TCP [2001:db8::2]:5070;branch=z9hG4bK2',
      'SIP/2.0/UDP third.test;branch=z9hG4bK3',
    ]);
  });

  it('plugs into the transaction layer as its TransactionTransport', async () => {
    const layer = new TransportLayer();
    // Compile-time check: the facade satisfies the transaction layer's transport slice.
    const asTransport: TransactionTransport = layer;
    expect(asTransport.isReliable!('UDP')).to.equal(false);
    expect(asTransport.isReliable!('tcp')).to.equal(true);
    await layer.close();
  });

  it('refuses a WebSocket handshake that does not offer the sip subprotocol (RFC 7118)', async () => {
    const layer = new TransportLayer();
    try {
      const [p] = await layer.listen(['ws://127.0.0.1:0']);
      const ws = new WebSocket(`ws://127.0.0.1:${p!.port}/`, 'chat');
      const outcome = await new Promise<string>((resolve) => {
        ws.once('open', () => resolve('open'));
        ws.once('error', () => resolve('refused'));
      });
      expect(outcome).to.equal('refused');
      expect(layer.stats().connections).to.equal(0);
    } finally {
      await layer.close();
    }
  });

  it('answers CRLFCRLF keep-alives on a WebSocket connection', async () => {
    const layer = new TransportLayer();
    try {
      const [p] = await layer.listen(['ws://127.0.0.1:0']);
      const ws = new WebSocket(`ws://127.0.0.1:${p!.port}/`, 'sip');
      const got: string[] = [];
      ws.on('message', (d) => got.push(d.toString()));
      await new Promise((r) => ws.once('open', r));
      ws.send('\r\n\r\n');
      await waitFor(() => got.length === 1, 'the pong');
      expect(got[0]).to.equal('\r\n');
      ws.close();
    } finally {
      await layer.close();
    }
  });

  it('rejects sends it has no transport for with SipTransportError', async () => {
    const layer = new TransportLayer();
    try {
      await layer.listen(['udp://127.0.0.1:0']);
      const err = await layer
        .sendRequest(makeRequest('OPTIONS', 'sip:x@127.0.0.1'), { protocol: 'tls', host: '127.0.0.1', port: 5061 })
        .then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(SipTransportError);
      expect((err as Error).message).to.include('tls://127.0.0.1:5061');
    } finally {
      await layer.close();
    }
  });
});
