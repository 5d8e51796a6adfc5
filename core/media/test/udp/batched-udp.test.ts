import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { BatchedUdpEndpoint, MediaEngine, batchedUdpCounters, flushBatchedUdp, nativeUdpStatus } from '../../src/index.js';
import type { UdpSource } from '../../src/index.js';
import { waitFor } from '../helpers/ports.js';

const EXIT_SCRIPT = fileURLToPath(new URL('./fixtures/exit-with-open-sockets.ts', import.meta.url));

async function dgramSocket(type: 'udp4' | 'udp6' = 'udp4'): Promise<dgram.Socket> {
  const s = dgram.createSocket(type);
  s.bind(0, type === 'udp4' ? '127.0.0.1' : '::1');
  await once(s, 'listening');
  return s;
}

interface Got {
  msg: Buffer;
  from: UdpSource;
  batch: number;
}

function collect(ep: BatchedUdpEndpoint): Got[] {
  const got: Got[] = [];
  ep.onMessage = (msg, from) => got.push({ msg, from, batch: batchedUdpCounters().batches });
  return got;
}

describe('BatchedUdpEndpoint (native recvmmsg/sendmmsg addon)', function () {
  const open: Array<{ close(): void }> = [];
  afterEach(() => {
    while (open.length) open.pop()!.close();
  });

  function endpoint(address = '127.0.0.1', port = 0): BatchedUdpEndpoint {
    const ep = BatchedUdpEndpoint.open(address, port);
    open.push(ep);
    return ep;
  }

  async function peer(type: 'udp4' | 'udp6' = 'udp4'): Promise<dgram.Socket> {
    const s = await dgramSocket(type);
    open.push(s);
    return s;
  }

  it('is built and loads on this machine (npm install builds it; core/media/native/build.mjs by hand)', () => {
    const status = nativeUdpStatus();
    expect(status.loaded, status.loaded ? '' : status.reason).to.equal(true);
  });

  it("resolves MediaEngine's udp option: 'auto' and 'batched' use the addon here, 'dgram' (the default) does not", async () => {
    const engines = [new MediaEngine(), new MediaEngine({ udp: 'dgram' }), new MediaEngine({ udp: 'auto' }), new MediaEngine({ udp: 'batched' })];
    expect(engines.map((e) => e.udp)).to.deep.equal(['dgram', 'dgram', 'batched', 'batched']);
    expect(engines.map((e) => e.ports.transport)).to.deep.equal(['dgram', 'dgram', 'batched', 'batched']);
    await Promise.all(engines.map((e) => e.close()));
  });

  it('receives many datagrams in one batch, each intact and owned by the receiver', async () => {
    const ep = endpoint();
    const got = collect(ep);
    const sender = await peer();
    // Loopback delivers during send(): all 100 wait in the socket when the loop next polls.
    for (let i = 0; i < 100; i++) sender.send(Buffer.alloc(100 + i, i), ep.port, '127.0.0.1');
    await waitFor('100 datagrams', () => got.length === 100);
    got.forEach((g, i) => {
      expect(g.msg.length).to.equal(100 + i);
      expect(g.msg.every((b) => b === i)).to.equal(true);
    });
    expect(new Set(got.map((g) => g.batch)).size).to.equal(1);
    // Later batches reuse the native slab; what the listener kept must not change.
    sender.send(Buffer.alloc(300, 0xee), ep.port, '127.0.0.1');
    await waitFor('one more', () => got.length === 101);
    expect(got[0]!.msg.every((b) => b === 0)).to.equal(true);
  });

  it('reports each datagram\'s source: address, port and family, following changes', async () => {
    const ep = endpoint();
    const got = collect(ep);
    const [s1, s2] = [await peer(), await peer()];
    for (let i = 0; i < 6; i++) (i % 2 ? s2 : s1).send(Buffer.from([i]), ep.port, '127.0.0.1');
    await waitFor('6 datagrams', () => got.length === 6);
    got.forEach((g, i) => {
      expect(g.msg[0]).to.equal(i);
      expect(g.from).to.deep.equal({ address: '127.0.0.1', port: (i % 2 ? s2 : s1).address().port, family: 'IPv4' });
    });
    const ep6 = endpoint('::1');
    expect(ep6.family).to.equal('IPv6');
    const got6 = collect(ep6);
    const s6 = await peer('udp6');
    s6.send(Buffer.from('v6'), ep6.port, '::1');
    await waitFor('an IPv6 datagram', () => got6.length === 1);
    expect(got6[0]!.from).to.deep.equal({ address: '::1', port: s6.address().port, family: 'IPv6' });
  });

  it('queues sends until the end of the loop turn and flushes them in order, addressed or connected', async () => {
    const ep = endpoint();
    const receiver = await peer();
    const got: Buffer[] = [];
    receiver.on('message', (m) => got.push(m));
    const sent0 = batchedUdpCounters().sent;
    for (let i = 0; i < 50; i++) ep.send(Buffer.from([i]), receiver.address().port, '127.0.0.1');
    // Nothing has left yet: the queue goes out once per loop turn, in one sendmmsg.
    expect(batchedUdpCounters().sent).to.equal(sent0);
    await waitFor('50 datagrams', () => got.length === 50);
    expect(got.map((m) => m[0])).to.deep.equal([...Array(50).keys()]);
    await new Promise<void>((resolve, reject) => ep.connect(receiver.address().port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    ep.send(Buffer.from('connected'));
    flushBatchedUdp();
    await waitFor('the connected send', () => got.length === 51);
    expect(got[50]!.toString()).to.equal('connected');
    let sentThen = false;
    ep.sendThen(Buffer.from('then'), () => (sentThen = true));
    await waitFor('sendThen callback and datagram', () => sentThen && got.length === 52);
  });

  it('sends what a socket had queued when it closes, and refuses sends afterwards', async () => {
    const ep = BatchedUdpEndpoint.open('127.0.0.1', 0);
    const receiver = await peer();
    const got: Buffer[] = [];
    receiver.on('message', (m) => got.push(m));
    for (let i = 0; i < 10; i++) ep.send(Buffer.from([i]), receiver.address().port, '127.0.0.1');
    ep.close();
    ep.close();
    expect(ep.isClosed).to.equal(true);
    expect(() => ep.send(Buffer.from([1]), receiver.address().port, '127.0.0.1')).to.throw().with.property('code', 'RVOIP_ERR_MEDIA_UDP_CLOSED');
    await waitFor('the 10 queued datagrams', () => got.length === 10);
    // Its port is free again: the fd really closed.
    const again = endpoint('127.0.0.1', ep.port);
    expect(again.port).to.equal(ep.port);
  });

  it('gives typed bind errors: port in use, address not on this host, not an address', async () => {
    const holder = await peer();
    const tries: Array<[string, number, string]> = [['127.0.0.1', holder.address().port, 'EADDRINUSE'], ['192.0.2.77', 0, 'EADDRNOTAVAIL'], ['not-an-ip', 0, 'EINVAL']];
    for (const [address, port, errno] of tries) {
      try {
        endpoint(address, port);
        expect.fail(`bound ${address}:${port}`);
      } catch (err) {
        expect(err).to.have.property('code', 'RVOIP_ERR_MEDIA_UDP_BIND');
        expect((err as { details: Record<string, unknown> }).details).to.include({ errno, address, port });
        expect((err as Error).message).to.contain(address).and.contain(errno);
      }
    }
  });

  it('keeps receiving on a connected socket after an ICMP error (the peer\'s port was closed for a while)', async () => {
    const ep = endpoint();
    const got = collect(ep);
    const gone = await dgramSocket();
    const port = gone.address().port;
    await new Promise<void>((resolve, reject) => ep.connect(port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    gone.close();
    const errors0 = batchedUdpCounters().receiveErrors + batchedUdpCounters().sendErrors;
    // Port unreachable: the kernel marks the connected socket with an error (POLLERR).
    for (let i = 0; i < 3; i++) {
      ep.send(Buffer.from('into the void'));
      flushBatchedUdp();
      await new Promise((r) => setImmediate(r));
    }
    await waitFor('the ICMP error to be seen', () => batchedUdpCounters().receiveErrors + batchedUdpCounters().sendErrors > errors0);
    const back = dgram.createSocket('udp4');
    open.push(back);
    back.bind(port, '127.0.0.1');
    await once(back, 'listening');
    back.send(Buffer.from('back again'), ep.port, '127.0.0.1');
    await waitFor('a datagram after the error', () => got.length === 1);
    expect(got[0]!.msg.toString()).to.equal('back again');
  });

  it('keeps the rest of a batch when a socket closes in the middle of it', async () => {
    const [a, b] = [endpoint(), endpoint()];
    const got: string[] = [];
    a.onMessage = (m) => {
      got.push(`a${m[0]}`);
      b.close();
    };
    b.onMessage = (m) => got.push(`b${m[0]}`);
    const sender = await peer();
    // a becomes readable first, so its datagrams come first in the batch.
    sender.send(Buffer.from([1]), a.port, '127.0.0.1');
    sender.send(Buffer.from([3]), a.port, '127.0.0.1');
    sender.send(Buffer.from([2]), b.port, '127.0.0.1');
    await waitFor('both datagrams of a', () => got.filter((g) => g.startsWith('a')).length === 2);
    // b was closed by a's listener before its datagram was handed out: it is dropped.
    expect(got).to.deep.equal(['a1', 'a3']);
  });

  it('lets a process exit, and a worker end, with sockets open and sends queued', function () {
    this.timeout(20000);
    for (const how of ['exit', 'worker', 'natural']) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=rvoip-source', EXIT_SCRIPT, how], { encoding: 'utf8', timeout: 15000 });
      expect(r.status, `${how}: ${r.stderr}`).to.equal(0);
      expect(r.stdout.trim(), how).to.equal(`ok ${how}`);
    }
  });
});
