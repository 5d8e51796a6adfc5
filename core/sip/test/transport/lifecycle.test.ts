import { expect } from 'chai';
import { SipTransportError, TransportLayer, isRequest } from '@rvoip/sip';
import type { TransportProtocol } from '@rvoip/sip';
import { Inbox, makeRequest, makeSelfSignedCert, removeDir, responseTo, waitFor } from './helpers.js';
import type { TlsFiles } from './helpers.js';

/** Socket and timer handles Node currently holds (public API since Node 17). */
function handles(): { sockets: number; timers: number } {
  const all = process.getActiveResourcesInfo();
  return {
    sockets: all.filter((r) => /TCP|UDP|TLS/.test(r)).length,
    timers: all.filter((r) => /Timeout|Immediate/.test(r)).length,
  };
}

describe('transport lifecycle', () => {
  let tls: TlsFiles;
  before(() => {
    tls = makeSelfSignedCert();
  });
  after(() => removeDir(tls.dir));

  it('close() releases every socket, connection and timer after traffic on all transports', async () => {
    // Measured after one turn so mocha's own per-test timer is already counted.
    await new Promise((r) => setImmediate(r));
    const baseline = handles();
    const material = { key: tls.key, cert: tls.cert };
    const opts = { tlsClient: { ca: tls.cert }, keepAliveIntervalMs: 50, idleTimeoutMs: 60_000 };
    const a = new TransportLayer(opts);
    const b = new TransportLayer(opts);
    const protocols: TransportProtocol[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];
    const specs = protocols.map((protocol) => ({ protocol, host: '127.0.0.1', port: 0, tls: material }));
    await a.listen(specs);
    const bPoints = await b.listen(specs);
    const inbox = new Inbox(a);
    b.onMessage((msg, source) => {
      if (isRequest(msg)) void b.sendResponse(responseTo(msg), source);
    });
    for (const [i, p] of bPoints.entries()) {
      await a.sendRequest(makeRequest('OPTIONS', 'sip:b@127.0.0.1'), { protocol: p.protocol, host: '127.0.0.1', port: p.port });
      await inbox.next(i + 1);
    }
    expect(a.stats().connections).to.equal(4);
    await a.close();
    await b.close();
    expect(a.idle && b.idle).to.equal(true);
    // waitFor's own polling timer is the one extra timer allowed.
    await waitFor(() => {
      const now = handles();
      return now.sockets <= baseline.sockets && now.timers <= baseline.timers + 1;
    }, 'every socket and timer to be released');
  });

  it('rejects a TLS peer whose certificate is not trusted with SipTransportError', async () => {
    const server = new TransportLayer();
    const client = new TransportLayer();
    try {
      const [sp] = await server.listen([{ protocol: 'tls', host: '127.0.0.1', port: 0, tls: { key: tls.key, cert: tls.cert } }]);
      await client.listen([{ protocol: 'tls', host: '127.0.0.1', port: 0, tls: { key: tls.key, cert: tls.cert } }]);
      const err = await client
        .sendRequest(makeRequest('OPTIONS', 'sip:b@127.0.0.1'), { protocol: 'tls', host: '127.0.0.1', port: sp!.port })
        .then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(SipTransportError);
      expect((err as SipTransportError).causeCode).to.equal('DEPTH_ZERO_SELF_SIGNED_CERT');
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('refuses to listen after close and on an address already in use', async () => {
    const a = new TransportLayer();
    const b = new TransportLayer();
    try {
      const [p] = await a.listen(['tcp://127.0.0.1:0']);
      const busy = await b.listen([`tcp://127.0.0.1:${p!.port}`]).then(() => undefined, (e: unknown) => e);
      expect(busy).to.be.instanceOf(SipTransportError);
      expect((busy as SipTransportError).causeCode).to.equal('EADDRINUSE');
    } finally {
      await a.close();
      await b.close();
    }
    const late = await a.listen(['udp://127.0.0.1:0']).then(() => undefined, (e: unknown) => e);
    expect(late).to.be.instanceOf(SipTransportError);
  });
});
