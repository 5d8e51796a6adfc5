import { expect } from 'chai';
import { TransportLayer, isRequest } from '@rvoip/sip';
import type { ListenSpec, SipRequest, TransportProtocol } from '@rvoip/sip';
import { Inbox, makeRequest, makeSelfSignedCert, removeDir, responseTo } from './helpers.js';
import type { TlsFiles } from './helpers.js';

describe('transport round trips between two TransportLayers', () => {
  let tls: TlsFiles;
  before(() => {
    tls = makeSelfSignedCert();
  });
  after(() => removeDir(tls.dir));

  const cases: Array<{ protocol: TransportProtocol; host: string }> = [];
  for (const protocol of ['udp', 'tcp', 'tls', 'ws', 'wss'] as const) {
    for (const host of ['127.0.0.1', '::1']) cases.push({ protocol, host });
  }

  for (const { protocol, host } of cases) {
    it(`${protocol} over ${host}: request in, response back`, async () => {
      const spec = (): ListenSpec => ({
        protocol,
        host,
        port: 0,
        ...(protocol === 'tls' || protocol === 'wss' ? { tls: { key: tls.key, cert: tls.cert } } : {}),
      });
      const opts = { tlsClient: { ca: tls.cert } };
      const a = new TransportLayer(opts);
      const b = new TransportLayer(opts);
      try {
        await a.listen([spec()]);
        const [bp] = await b.listen([spec()]);
        const inA = new Inbox(a);
        b.onMessage((msg, source) => {
          if (isRequest(msg)) void b.sendResponse(responseTo(msg), source);
        });

        const req = makeRequest('OPTIONS', `sip:bob@${host.includes(':') ? `[${host}]` : host}`);
        const used = await a.sendRequest(req, { protocol, host, port: bp!.port });
        expect(used.protocol).to.equal(protocol);
        const got = await inA.next();
        expect(got.msg.isRequest).to.equal(false);
        expect(got.source.protocol).to.equal(protocol);
        expect(got.source.remoteAddress).to.equal(host);
        const via = got.msg.topVia!;
        expect(via.transport).to.equal(protocol.toUpperCase());
        expect(via.rport).to.be.a('number');
        expect((req as SipRequest).topVia!.port).to.equal(a.listeningPoints()[0]!.port);
      } finally {
        await a.close();
        await b.close();
      }
      expect(a.idle && b.idle, 'no connection or timer left after close').to.equal(true);
    });
  }
});
