/**
 * A peer that returns our own packets verbatim (SIPp `-rtp_echo`): a loop, not an SSRC
 * collision. The session keeps its SSRC and one receive context, and plays the echo out.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import type { MediaEngine, MediaSession } from '../../src/index.js';
import { writeRtpHeader } from '../../src/rtp/index.js';
import { receivedTone, recordFrames, testEngine, UDP_TRANSPORTS } from '../helpers/engines.js';
import { delay, randomPortRange, waitFor } from '../helpers/ports.js';
import { onPath } from '../helpers/tshark.js';

// Every case runs on both UDP transports: node:dgram and the native batched path.
for (const udp of UDP_TRANSPORTS) describe(`MediaSession with an echoing peer (RTP loop) [udp: ${udp}]`, function () {
  this.timeout(20000);
  let ea: MediaEngine;
  let eb: MediaEngine;
  let echo: dgram.Socket;
  beforeEach(async () => {
    ea = testEngine({ udp });
    eb = testEngine({ udp });
    echo = dgram.createSocket('udp4');
    // Verbatim, to wherever the packet came from (RTP and the muxed RTCP alike).
    echo.on('message', (msg, rinfo) => echo.send(msg, rinfo.port, rinfo.address));
    echo.bind(0, '127.0.0.1');
    await once(echo, 'listening');
  });
  afterEach(async () => {
    echo.close();
    await ea.close();
    await eb.close();
    expect(ea.ports.allocated + eb.ports.allocated).to.equal(0);
  });

  /** A session whose SDP peer is the echo at `port`. */
  async function towards(port: number): Promise<MediaSession> {
    const a = await ea.createSession();
    const b = await eb.createSession();
    const answer = b.createAnswer(a.createOffer());
    await b.close();
    a.setRemoteAnswer(answer.replace(`m=audio ${b.localPort} `, `m=audio ${port} `));
    return a;
  }

  async function expectStableLoop(a: MediaSession): Promise<void> {
    const ssrc = a.stats().ssrc;
    const changes: unknown[] = [];
    a.on('ssrc-change', (c) => changes.push(c));
    const rec = recordFrames(a);
    void a.playTone({ frequencies: [1000] }, 3000);
    expect(await receivedTone(rec, 8000, 50)).to.be.within(990, 1010);
    await waitFor('an RTCP report looped back', () => a.stats().loopedBack > a.stats().packetsReceived);
    const mid = a.stats();
    await delay(400);
    const s = a.stats();
    expect(changes).to.deep.equal([]);
    expect(s.ssrc).to.equal(ssrc);
    expect(s.remoteSsrc).to.equal(ssrc);
    expect(s.ssrcChanges).to.equal(0);
    // One receive context from the first packet on: every echoed packet counted, none lost.
    expect(s.packetsReceived).to.be.greaterThan(mid.packetsReceived);
    expect(s.packetsReceived).to.be.at.least(s.packetsSent - 10);
    expect(s.packetsLost).to.equal(0);
    expect(s.loopedBack).to.be.at.least(s.packetsReceived);
    expect(s.jitterBuffer.played).to.be.greaterThan(50);
  }

  it('keeps its SSRC and one continuous receive context, and delivers the echoed audio', async () => {
    await expectStableLoop(await towards(echo.address().port));
  });

  it('does the same with SIPp -rtp_echo as the peer', async () => {
    if (!onPath('sipp')) expect.fail('sipp is not on PATH: install the Debian package "sip-tester" (CI does) to run this test');
    const [mediaPort] = randomPortRange(4);
    const [sipPort] = randomPortRange(1);
    const sipp = spawn('sipp', ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(sipPort + 1), '-mp', String(mediaPort), '-rtp_echo', '-nostdin'], { stdio: 'ignore' });
    const probe = dgram.createSocket('udp4');
    try {
      let echoed = false;
      probe.on('message', () => { echoed = true; });
      probe.bind(0, '127.0.0.1');
      await once(probe, 'listening');
      await waitFor('SIPp echoing on its media port', () => {
        if (!echoed) probe.send(Buffer.from('probe'), mediaPort, '127.0.0.1');
        return echoed;
      }, 10000);
      await expectStableLoop(await towards(mediaPort));
    } finally {
      probe.close();
      sipp.kill();
    }
  });

  it('still takes a new SSRC when another source uses ours (RFC 3550 8.2 collision)', async () => {
    const a = await ea.createSession();
    const b = await eb.createSession();
    const answer = b.createAnswer(a.createOffer());
    await b.close();
    const peer = dgram.createSocket('udp4');
    peer.bind(0, '127.0.0.1');
    await once(peer, 'listening');
    try {
      a.setRemoteAnswer(answer.replace(`m=audio ${b.localPort} `, `m=audio ${peer.address().port} `));
      const ssrc = a.stats().ssrc;
      const packet = Buffer.alloc(172, 0xff);
      // Our SSRC, but sequence/timestamp we never sent.
      writeRtpHeader(packet, 0, false, (a.rtp.nextSequence + 5000) & 0xffff, 12345, ssrc);
      peer.send(packet, a.localPort, '127.0.0.1');
      await waitFor('a new SSRC', () => a.stats().ssrc !== ssrc);
      expect(a.stats().ssrc).to.not.equal(ssrc);
      expect(a.stats().loopedBack).to.equal(0);
    } finally {
      peer.close();
    }
  });
});
