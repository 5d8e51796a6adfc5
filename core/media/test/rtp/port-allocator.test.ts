import { expect } from 'chai';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { PortAllocator } from '../../src/rtp/index.js';
import { randomPortRange } from '../helpers/ports.js';
import { UDP_TRANSPORTS } from '../helpers/engines.js';

// Every case runs on both UDP transports: node:dgram and the native batched path.
for (const udp of UDP_TRANSPORTS) describe(`PortAllocator [udp: ${udp}]`, () => {
  it('hands out even/odd pairs until the range is exhausted, then fails with a code', async () => {
    const [min, max] = randomPortRange(3);
    const alloc = new PortAllocator(min, max, udp);
    expect(alloc.capacity).to.equal(3);
    const pairs = [await alloc.allocate('127.0.0.1'), await alloc.allocate('127.0.0.1'), await alloc.allocate('127.0.0.1')];
    for (const p of pairs) {
      expect(p.port % 2).to.equal(0);
      expect(p.rtcp.port).to.equal(p.port + 1);
    }
    expect(new Set(pairs.map((p) => p.port)).size).to.equal(3);
    try {
      await alloc.allocate('127.0.0.1');
      expect.fail('allocation beyond capacity succeeded');
    } catch (err) {
      expect(err).to.have.property('code', 'RVOIP_ERR_RTP_PORTS_EXHAUSTED');
    }
    pairs[1].release();
    pairs[1].release();
    const again = await alloc.allocate('127.0.0.1');
    expect(again.port).to.equal(pairs[1].port);
    for (const p of [pairs[0], pairs[2], again]) p.release();
    expect(alloc.allocated).to.equal(0);
  });

  it('skips ports another socket holds and returns none of them on failure', async () => {
    const [min, max] = randomPortRange(2);
    const foreign = dgram.createSocket('udp4');
    foreign.bind(min + 1, '127.0.0.1');
    await once(foreign, 'listening');
    const alloc = new PortAllocator(min, max, udp);
    const p = await alloc.allocate('127.0.0.1');
    expect(p.port).to.equal(min + 2);
    await alloc.allocate('127.0.0.1').then(() => expect.fail('expected exhaustion'), (err) => expect(err.code).to.equal('RVOIP_ERR_RTP_PORTS_EXHAUSTED'));
    expect(alloc.allocated).to.equal(1);
    p.release();
    foreign.close();
    expect(alloc.allocated).to.equal(0);
    // The first pair is free again now that the foreign socket is gone.
    const q = await alloc.allocate('127.0.0.1');
    q.release();
  });

  it('reports a bind failure on an address this host does not own and leaks nothing', async () => {
    const [min, max] = randomPortRange(2);
    const alloc = new PortAllocator(min, max, udp);
    await alloc.allocate('192.0.2.77').then(() => expect.fail('bind succeeded'), (err) => expect(err.code).to.equal('RVOIP_ERR_RTP_BIND'));
    expect(alloc.allocated).to.equal(0);
    const ok = await alloc.allocate('127.0.0.1');
    ok.release();
    expect(alloc.allocated).to.equal(0);
  });

  it('rejects a range without an even/odd pair', () => {
    expect(() => new PortAllocator(5001, 5002)).to.throw().with.property('code', 'RVOIP_ERR_RTP_PORT_RANGE');
    expect(() => new PortAllocator(10, 70000)).to.throw(/1-65535/);
  });
});
