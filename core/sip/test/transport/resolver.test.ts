// No DNS server is reachable on this machine, so RFC 3263 selection is exercised
// through a fake SipDnsResolver that records every query it answers.
import { expect } from 'chai';
import { TransportLayer, locateSipServer, orderSrv } from '@rvoip/sip';
import type { AddressAnswer, NaptrAnswer, SipDnsResolver, SrvAnswer, TransportProtocol } from '@rvoip/sip';
import { Inbox, makeRequest } from './helpers.js';

class FakeResolver implements SipDnsResolver {
  readonly queries: string[] = [];
  constructor(
    private readonly zone: {
      naptr?: Record<string, NaptrAnswer[]>;
      srv?: Record<string, SrvAnswer[]>;
      a?: Record<string, AddressAnswer[]>;
    },
  ) {}
  async naptr(name: string): Promise<NaptrAnswer[]> {
    this.queries.push(`NAPTR ${name}`);
    return this.zone.naptr?.[name] ?? [];
  }
  async srv(name: string): Promise<SrvAnswer[]> {
    this.queries.push(`SRV ${name}`);
    return this.zone.srv?.[name] ?? [];
  }
  async addresses(host: string): Promise<AddressAnswer[]> {
    this.queries.push(`A ${host}`);
    return this.zone.a?.[host] ?? [];
  }
}

const ALL: TransportProtocol[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];
const naptr = (order: number, preference: number, service: string, replacement: string): NaptrAnswer => ({
  order,
  preference,
  service,
  replacement,
  flags: 's',
  regexp: '',
});
const srv = (name: string, port: number, priority = 10, weight = 0): SrvAnswer => ({ name, port, priority, weight });
const v4 = (address: string): AddressAnswer => ({ address, family: 4 });

describe('RFC 3263 server location', () => {
  it('uses a numeric host directly: UDP 5060 for sip, TLS 5061 for sips, no DNS query', async () => {
    const r = new FakeResolver({});
    expect(await locateSipServer({ scheme: 'sip', host: '192.0.2.7' }, r, { supported: ALL })).to.deep.equal([
      { protocol: 'udp', host: '192.0.2.7', port: 5060 },
    ]);
    expect(await locateSipServer({ scheme: 'sips', host: '2001:db8::1' }, r, { supported: ALL })).to.deep.equal([
      { protocol: 'tls', host: '2001:db8::1', port: 5061 },
    ]);
    expect(await locateSipServer({ scheme: 'sip', host: '192.0.2.7', transport: 'tcp', port: 5080 }, r, { supported: ALL }))
      .to.deep.equal([{ protocol: 'tcp', host: '192.0.2.7', port: 5080 }]);
    expect(r.queries).to.deep.equal([]);
  });

  it('with an explicit port only looks up addresses', async () => {
    const r = new FakeResolver({ a: { 'pbx.test': [v4('192.0.2.1'), v4('192.0.2.2')] } });
    const got = await locateSipServer({ scheme: 'sip', host: 'pbx.test', port: 5070 }, r, { supported: ALL });
    expect(got).to.deep.equal([
      { protocol: 'udp', host: '192.0.2.1', port: 5070 },
      { protocol: 'udp', host: '192.0.2.2', port: 5070 },
    ]);
    expect(r.queries).to.deep.equal(['A pbx.test']);
  });

  it('follows NAPTR order and preference, skipping services we do not support', async () => {
    const r = new FakeResolver({
      naptr: {
        'example.test': [
          naptr(50, 10, 'SIP+D2U', '_sip._udp.example.test'),
          naptr(10, 20, 'SIP+D2T', '_sip._tcp.example.test'),
          naptr(10, 10, 'SIPS+D2T', '_sips._tcp.example.test'),
        ],
      },
      srv: {
        '_sip._udp.example.test': [srv('u.example.test', 5060)],
        '_sip._tcp.example.test': [srv('t.example.test', 5062)],
        '_sips._tcp.example.test': [srv('s.example.test', 5063)],
      },
      a: { 'u.example.test': [v4('192.0.2.10')], 't.example.test': [v4('192.0.2.11')], 's.example.test': [v4('192.0.2.12')] },
    });
    // TLS (order 10, pref 10) is not supported here: TCP (order 10, pref 20) wins over UDP (order 50).
    const got = await locateSipServer({ scheme: 'sip', host: 'example.test' }, r, { supported: ['udp', 'tcp'] });
    expect(got).to.deep.equal([{ protocol: 'tcp', host: '192.0.2.11', port: 5062 }]);
    expect(r.queries).to.deep.equal(['NAPTR example.test', 'SRV _sip._tcp.example.test', 'A t.example.test']);
  });

  it('keeps only SIPS services for a sips URI and moves on when an SRV set is empty', async () => {
    const r = new FakeResolver({
      naptr: {
        'secure.test': [
          naptr(10, 10, 'SIP+D2U', '_sip._udp.secure.test'),
          naptr(20, 10, 'SIPS+D2W', '_sips._ws.secure.test'),
          naptr(30, 10, 'SIPS+D2T', '_sips._tcp.secure.test'),
        ],
      },
      srv: { '_sips._tcp.secure.test': [srv('tls.secure.test', 5061)] },
      a: { 'tls.secure.test': [v4('192.0.2.20')] },
    });
    const got = await locateSipServer({ scheme: 'sips', host: 'secure.test' }, r, { supported: ALL });
    // RFC 5922: the certificate is checked against the SIP domain, not the SRV target.
    expect(got).to.deep.equal([{ protocol: 'tls', host: '192.0.2.20', port: 5061, serverName: 'secure.test' }]);
    expect(r.queries).to.include('SRV _sips._ws.secure.test');
    expect(r.queries).not.to.include('SRV _sip._udp.secure.test');
  });

  it('without NAPTR tries SRV per supported transport, then falls back to A/AAAA on 5060', async () => {
    const withSrv = new FakeResolver({
      srv: { '_sip._tcp.example.test': [srv('b.example.test', 5090, 20), srv('a.example.test', 5080, 10)] },
      a: { 'a.example.test': [v4('192.0.2.30')], 'b.example.test': [v4('192.0.2.31')] },
    });
    const got = await locateSipServer({ scheme: 'sip', host: 'example.test' }, withSrv, { supported: ['udp', 'tcp'] });
    expect(got).to.deep.equal([
      { protocol: 'tcp', host: '192.0.2.30', port: 5080 },
      { protocol: 'tcp', host: '192.0.2.31', port: 5090 },
    ]);
    expect(withSrv.queries.slice(0, 3)).to.deep.equal(['NAPTR example.test', 'SRV _sip._udp.example.test', 'SRV _sip._tcp.example.test']);

    const bare = new FakeResolver({ a: { 'plain.test': [v4('192.0.2.40')] } });
    expect(await locateSipServer({ scheme: 'sip', host: 'plain.test' }, bare, { supported: ['udp', 'tcp'] })).to.deep.equal([
      { protocol: 'udp', host: '192.0.2.40', port: 5060 },
    ]);
  });

  it('with a transport parameter skips NAPTR but still asks SRV for that transport', async () => {
    const r = new FakeResolver({
      srv: { '_sip._tcp.example.test': [srv('t.example.test', 5070)] },
      a: { 't.example.test': [v4('192.0.2.50')] },
    });
    const got = await locateSipServer({ scheme: 'sip', host: 'example.test', transport: 'tcp' }, r, { supported: ALL });
    expect(got).to.deep.equal([{ protocol: 'tcp', host: '192.0.2.50', port: 5070 }]);
    expect(r.queries[0]).to.equal('SRV _sip._tcp.example.test');
  });

  it('never looks up .invalid names (RFC 6761), which WebSocket clients put in Via', async () => {
    const r = new FakeResolver({});
    expect(await locateSipServer({ scheme: 'sip', host: 'df7jal23ls0d.invalid', transport: 'ws' }, r, { supported: ALL })).to.deep.equal([]);
    expect(r.queries).to.deep.equal([]);
  });

  it('uses maddr in place of the host', async () => {
    const r = new FakeResolver({});
    const got = await locateSipServer({ scheme: 'sip', host: 'ignored.test', maddr: '192.0.2.60' }, r, { supported: ALL });
    expect(got).to.deep.equal([{ protocol: 'udp', host: '192.0.2.60', port: 5060 }]);
  });

  it('orders SRV records by priority, then by weight draw (RFC 2782), and drops "."', () => {
    const records = [srv('c', 1, 20, 0), srv('a', 1, 10, 10), srv('b', 1, 10, 90), srv('.', 1, 5, 0)];
    // A draw near 1 lands in the heavy record's share first.
    expect(orderSrv(records, () => 0.99).map((r) => r.name)).to.deep.equal(['b', 'a', 'c']);
    expect(orderSrv(records, () => 0).map((r) => r.name)).to.deep.equal(['a', 'b', 'c']);
  });

  it('lets sendRequest locate the next hop from the first Route and fail over past a refused target', async () => {
    const b = new TransportLayer();
    const probe = new TransportLayer();
    let c: TransportLayer | undefined;
    try {
      const [bp] = await b.listen(['tcp://127.0.0.1:0']);
      // A port that was just free: connecting to it is refused.
      const [dead] = await probe.listen(['tcp://127.0.0.1:0']);
      await probe.close();
      const zone = {
        srv: { '_sip._tcp.proxy.test': [srv('dead.proxy.test', dead!.port, 10), srv('edge.proxy.test', bp!.port, 20)] },
        a: { 'dead.proxy.test': [v4('127.0.0.1')], 'edge.proxy.test': [v4('127.0.0.1')] },
      };
      c = new TransportLayer({ resolver: new FakeResolver(zone) });
      await c.listen(['udp://127.0.0.1:0', 'tcp://127.0.0.1:0']);
      const inbox = new Inbox(b);
      const req = makeRequest('OPTIONS', 'sip:bob@far.away.test', { headers: { Route: '<sip:proxy.test;lr>' } });
      const used = await c.sendRequest(req);
      expect(used).to.deep.equal({ protocol: 'tcp', host: '127.0.0.1', port: bp!.port });
      expect((await inbox.next()).msg.callId).to.equal(req.callId);
    } finally {
      await c?.close();
      await b.close();
    }
  });
});
