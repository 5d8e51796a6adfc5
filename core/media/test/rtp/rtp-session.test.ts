import { expect } from 'chai';
import dgram from 'node:dgram';
import { once } from 'node:events';
import type { RtpTarget } from '../../src/rtp/index.js';
import { PortAllocator, RtpSession, writeRtpHeader } from '../../src/rtp/index.js';
import { UdpRelay } from '../helpers/udp-relay.js';
import { delay, randomPortRange, waitFor } from '../helpers/ports.js';
import { UDP_TRANSPORTS } from '../helpers/engines.js';

function target(port: number, rtcpMux = true): RtpTarget {
  return { address: '127.0.0.1', port, rtcpAddress: '127.0.0.1', rtcpPort: port + 1, rtcpMux };
}

async function session(alloc: PortAllocator, minIntervalSec = 5): Promise<RtpSession> {
  return new RtpSession({ pair: await alloc.allocate('127.0.0.1'), cname: 'test@rvoip', clockRate: 8000, rtcp: { minIntervalSec } });
}

function rawRtp(seq: number, ssrc: number): Buffer {
  const b = Buffer.alloc(172);
  writeRtpHeader(b, 0, false, seq, seq * 160, ssrc);
  return b;
}

// Every case runs on both UDP transports: node:dgram and the native batched path.
for (const udp of UDP_TRANSPORTS) describe(`RtpSession over UDP [udp: ${udp}]`, () => {
  let alloc: PortAllocator;
  const open: Array<{ close(): unknown }> = [];
  beforeEach(() => {
    alloc = new PortAllocator(...randomPortRange(8), udp);
  });
  afterEach(async () => {
    while (open.length) await open.pop()!.close();
    expect(alloc.allocated).to.equal(0);
  });

  it('latches to the source of the first valid packet and ignores other sources afterwards', async () => {
    const a = await session(alloc);
    const b = await session(alloc);
    const stray = dgram.createSocket('udp4');
    open.push(a, b, stray);
    stray.bind(0, '127.0.0.1');
    await once(stray, 'listening');
    const gotAtA: number[] = [];
    a.setHandlers({ onRtp: (h) => gotAtA.push(h.sequenceNumber) });
    let gotAtB = 0;
    const ssrcsAtB = new Set<number>();
    b.setHandlers({ onRtp: (h) => { gotAtB++; ssrcsAtB.add(h.ssrc); } });
    // B's SDP says A is on a port nobody listens on (a NATed phone); only latching helps.
    a.setRemote(target(b.port));
    b.setRemote(target(stray.address().port + 1000 > 65535 ? 1 : stray.address().port + 1000));
    a.send(0, Buffer.alloc(160), 0, true);
    await waitFor('first packet at B', () => gotAtB === 1);
    expect(b.latchedSource).to.deep.equal({ address: '127.0.0.1', port: a.port });
    b.send(0, Buffer.alloc(160), 0, true);
    await waitFor('reply at A', () => gotAtA.length === 1);
    // Once latched the socket is connected to A, so the kernel (or our check) drops strays.
    stray.send(rawRtp(5, 99), b.port, '127.0.0.1');
    a.send(0, Buffer.alloc(160), 160, false);
    await waitFor('second packet from A', () => gotAtB === 2);
    await delay(50);
    expect(gotAtB).to.equal(2);
    expect([...ssrcsAtB]).to.deep.equal([a.ssrc]);
  });

  it('after a re-target, ignores stale packets from the old peer and lets the SDP address take over a NAT latch', async () => {
    const b = await session(alloc);
    const peers = [dgram.createSocket('udp4'), dgram.createSocket('udp4'), dgram.createSocket('udp4')];
    open.push(b, ...peers);
    for (const p of peers) p.bind(0, '127.0.0.1');
    await Promise.all(peers.map((p) => once(p, 'listening')));
    const [p1, p2, nat] = peers;
    const got = [0, 0, 0];
    peers.forEach((p, i) => p.on('message', (m: Buffer) => { if (!(m[1] >= 192 && m[1] <= 223)) got[i]++; }));
    let delivered = 0;
    b.setHandlers({ onRtp: () => delivered++ });
    b.setRemote(target(p1.address().port));
    p1.send(rawRtp(1, 1), b.port, '127.0.0.1');
    await waitFor('p1 latched', () => b.latchedSource?.port === p1.address().port);
    // Re-INVITE to p2; p1's packets still in flight must not take the latch.
    b.setRemote(target(p2.address().port));
    p1.send(rawRtp(2, 1), b.port, '127.0.0.1');
    await waitFor('stale packet dropped', () => b.counters.droppedUnknownSource === 1);
    b.send(0, Buffer.alloc(160), 0, true);
    await waitFor('sent to the new SDP address', () => got[1] === 1);
    // A NATed source latches first; the SDP address, once heard from, takes over.
    nat.send(rawRtp(3, 2), b.port, '127.0.0.1');
    await waitFor('NAT latch', () => b.latchedSource?.port === nat.address().port);
    b.send(0, Buffer.alloc(160), 160, false);
    await waitFor('reply to the NAT source', () => got[2] === 1);
    p2.send(rawRtp(4, 2), b.port, '127.0.0.1');
    await waitFor('SDP address takes over', () => b.latchedSource?.port === p2.address().port);
    b.send(0, Buffer.alloc(160), 320, false);
    await waitFor('reply to the SDP address', () => got[1] === 2);
    expect(got[0]).to.equal(0);
    expect(delivered).to.equal(3);
  });

  it('follows an SSRC change mid-stream and restarts the receive statistics', async () => {
    const b = await session(alloc);
    const peer = dgram.createSocket('udp4');
    open.push(b, peer);
    peer.bind(0, '127.0.0.1');
    await once(peer, 'listening');
    b.setRemote(target(peer.address().port));
    const changes: Array<[number, number]> = [];
    const seen: number[] = [];
    b.setHandlers({ onRtp: (h) => seen.push(h.ssrc), onSsrcChange: (p, n) => changes.push([p, n]) });
    for (let i = 0; i < 5; i++) peer.send(rawRtp(100 + i, 0xaaaa), b.port, '127.0.0.1');
    await waitFor('five packets', () => seen.length === 5);
    for (let i = 0; i < 5; i++) peer.send(rawRtp(9000 + i, 0xbbbb), b.port, '127.0.0.1');
    await waitFor('ten packets', () => seen.length === 10);
    expect(changes).to.deep.equal([[0xaaaa, 0xbbbb]]);
    expect(b.stats.ssrc).to.equal(0xbbbb);
    expect(b.counters.ssrcChanges).to.equal(1);
    expect(b.stats.cumulativeLost).to.equal(0);
    expect(b.reporter.stats().remoteSsrc).to.equal(0xbbbb);
  });

  it('exchanges RTP over IPv6 loopback', async () => {
    const a = new RtpSession({ pair: await alloc.allocate('::1'), cname: 'a', clockRate: 8000 });
    const b = new RtpSession({ pair: await alloc.allocate('::1'), cname: 'b', clockRate: 8000 });
    open.push(a, b);
    a.setRemote({ address: '::1', port: b.port, rtcpAddress: '::1', rtcpPort: b.port + 1, rtcpMux: false });
    b.setRemote({ address: '::1', port: a.port, rtcpAddress: '::1', rtcpPort: a.port + 1, rtcpMux: false });
    let got = 0;
    b.setHandlers({ onRtp: (h) => { if (h.payloadType === 8) got++; } });
    a.setHandlers({ onRtp: () => undefined });
    for (let i = 0; i < 3; i++) a.send(8, Buffer.alloc(160, 0xd5), i * 160, i === 0);
    await waitFor('three packets over ::1', () => got === 3);
    expect(b.latchedSource).to.deep.equal({ address: '::1', port: a.port });
    b.reporter.send(false);
    await waitFor('RTCP on the separate RTCP port', () => a.counters.rtcpReceived === 1);
  });

  it('drops malformed datagrams without disturbing the stream', async () => {
    const b = await session(alloc);
    const peer = dgram.createSocket('udp4');
    open.push(b, peer);
    peer.bind(0, '127.0.0.1');
    await once(peer, 'listening');
    b.setRemote(target(peer.address().port));
    let n = 0;
    b.setHandlers({ onRtp: () => n++ });
    peer.send(Buffer.from([0x40, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), b.port, '127.0.0.1');
    peer.send(Buffer.from([0x80, 0]), b.port, '127.0.0.1');
    peer.send(rawRtp(1, 1), b.port, '127.0.0.1');
    await waitFor('valid packet', () => n === 1);
    expect(b.counters.droppedMalformed).to.equal(2);
  });

  it('survives garbage on both ports and a handler that throws', async () => {
    const b = new RtpSession({ pair: await alloc.allocate('127.0.0.1'), cname: 'b', clockRate: 8000 });
    const peer = dgram.createSocket('udp4');
    open.push(b, peer);
    peer.bind(0, '127.0.0.1');
    await once(peer, 'listening');
    b.setRemote(target(peer.address().port, false));
    let n = 0;
    b.setHandlers({
      onRtp: (h) => {
        n++;
        if (h.payloadType === 9) throw new Error('decoder says no');
      },
    });
    const garbage = [Buffer.from([0x80, 200, 0, 9, 1]), Buffer.from([0x81, 201]), Buffer.from([0x80, 200, 0xff, 0xff, 0, 0, 0, 0]), Buffer.alloc(3)];
    for (const g of garbage) {
      peer.send(g, b.port, '127.0.0.1');
      peer.send(g, b.port + 1, '127.0.0.1');
    }
    const bad = rawRtp(1, 5);
    bad[1] = 9;
    peer.send(bad, b.port, '127.0.0.1');
    peer.send(rawRtp(2, 5), b.port, '127.0.0.1');
    await waitFor('the good packet after the garbage', () => n === 2);
    expect(b.counters.droppedMalformed).to.be.greaterThan(0);
  });

  it('reports loss, jitter, RTT and a plausible MOS over a lossy reordering relay (RTCP SR/RR)', async () => {
    const a = await session(alloc, 0.25);
    const b = await session(alloc, 0.25);
    const relay = new UdpRelay({ address: '127.0.0.1', port: b.port }, { loss: 0.1, reorder: 0.05, seed: 7, direction: 'aToB' });
    open.push(a, b, relay);
    const { portA, portB } = await relay.start();
    a.setRemote(target(portA));
    b.setRemote(target(portB));
    a.setHandlers({ onRtp: () => undefined });
    b.setHandlers({ onRtp: () => undefined });
    for (let i = 0; i < 150; i++) {
      a.send(0, Buffer.alloc(160), i * 160, i === 0);
      b.send(8, Buffer.alloc(160), i * 160, i === 0);
      await delay(5);
    }
    await waitFor('RTT from RTCP', () => a.reporter.stats().rttMs !== undefined && b.reporter.stats().remote !== undefined && a.reporter.stats().remote !== undefined, 10000);
    const sb = b.reporter.stats();
    const sa = a.reporter.stats();
    expect(relay.counts.dropped).to.be.greaterThan(0);
    // Loss counts from the first validated packet (A.1 probation) to the highest received.
    const span = (b.stats.maxSeq - b.stats.baseSeq) & 0xffff;
    const inWindow = relay.droppedSeqs.filter((s) => ((s - b.stats.baseSeq) & 0xffff) > 0 && ((s - b.stats.baseSeq) & 0xffff) < span).length;
    expect(sb.packetsLost).to.equal(inWindow);
    expect(inWindow).to.be.greaterThan(5);
    expect(sb.jitterMs).to.be.greaterThan(0);
    expect(sa.remote!.packetsLost).to.be.greaterThan(0);
    expect(sa.rttMs).to.be.within(0, 1000);
    expect(sb.mos).to.be.within(1, 4.3);
    expect(sa.mos).to.be.within(4.0, 4.5);
    expect(sa.rtcpReceived).to.be.greaterThan(0);
    expect(sb.rtcpSent).to.be.greaterThan(0);
  });
});
