// No DNS server is reachable here: names resolve through a fake SipDnsResolver.
import { expect } from 'chai';
import { SipTransportError, TransportLayer } from '@rvoip/sip';
import type { AddressAnswer, NaptrAnswer, SipDnsResolver, SrvAnswer } from '@rvoip/sip';
import { Inbox, makeRequest, makeSelfSignedCert, removeDir } from './helpers.js';
import type { TlsFiles } from './helpers.js';

/** Every name is an alias of 127.0.0.1 and has one _sips._tcp SRV record to `port`. */
function loopbackZone(port: () => number): SipDnsResolver {
  return {
    naptr: async (): Promise<NaptrAnswer[]> => [],
    srv: async (name: string): Promise<SrvAnswer[]> =>
      name.startsWith('_sips._tcp.') ? [{ name: 'edge.' + name.slice(11), port: port(), priority: 1, weight: 0 }] : [],
    addresses: async (): Promise<AddressAnswer[]> => [{ address: '127.0.0.1', family: 4 }],
  };
}

describe('TLS server identity for DNS-located targets (RFC 5922)', () => {
  let tls: TlsFiles;
  let server: TransportLayer;
  let client: TransportLayer;
  let port = 0;
  before(() => {
    tls = makeSelfSignedCert();
  });
  after(() => removeDir(tls.dir));
  beforeEach(async () => {
    server = new TransportLayer();
    const [p] = await server.listen([{ protocol: 'tls', host: '127.0.0.1', port: 0, tls: { key: tls.key, cert: tls.cert } }]);
    port = p!.port;
    client = new TransportLayer({ resolver: loopbackZone(() => port), tlsClient: { ca: tls.cert } });
    await client.listen([{ protocol: 'tls', host: '127.0.0.1', port: 0, tls: { key: tls.key, cert: tls.cert } }]);
  });
  afterEach(async () => {
    await client.close();
    await server.close();
  });

  it('accepts a certificate issued for the SIP domain of the Request-URI', async () => {
    const inbox = new Inbox(server);
    const used = await client.sendRequest(makeRequest('OPTIONS', 'sips:bob@localhost'));
    expect(used).to.deep.equal({ protocol: 'tls', host: '127.0.0.1', port, serverName: 'localhost' });
    await inbox.next();
  });

  it('refuses a certificate that does not name the SIP domain', async () => {
    const err = await client.sendRequest(makeRequest('OPTIONS', 'sips:bob@other.test')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(SipTransportError);
    expect((err as SipTransportError).causeCode).to.equal('ERR_TLS_CERT_ALTNAME_INVALID');
  });
});
