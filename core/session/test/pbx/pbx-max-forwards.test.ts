/**
 * Max-Forwards at the PBX: routing a call to a user makes it a proxy-like element
 * (RFC 3261 16.3), so an INVITE that arrives with no hops left is refused with 483, and
 * forks carry one hop less; a contact registered with Path is reached through that Path.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { maxForwardsOf } from '../../src/pbx/pbx-router.js';
import { header, rawCaller } from '../call/raw-caller.js';
import { SipStack } from '@rvoip/sip';
import { RegistryService } from '@rvoip/contracts';
import type { RegistryService as RegistryServiceType } from '@rvoip/contracts';
import { DOMAIN, PbxRig } from './helpers.js';
import type { Phone } from './helpers.js';

describe('session/pbx Max-Forwards', function () {
  this.timeout(30_000);
  const rig = new PbxRig();
  let bob: Phone;

  before(async () => {
    await rig.start();
    bob = await rig.phone('bob');
    await rig.register('1002', bob);
  });
  after(() => rig.stop());

  it('reads Max-Forwards from the request, and nothing from an absent or malformed one', () => {
    expect(maxForwardsOf({ headers: { 'max-forwards': [' 0 '] } })).to.equal(0);
    expect(maxForwardsOf({ headers: { 'max-forwards': ['69'] } })).to.equal(69);
    expect(maxForwardsOf({ headers: {} })).to.equal(undefined);
    expect(maxForwardsOf({ headers: { 'max-forwards': ['x'] } })).to.equal(undefined);
  });

  it('answers an INVITE to a registered user with Max-Forwards 0 with 483 Too Many Hops and never forks it', async () => {
    const caller = await rawCaller(rig.pbxPort);
    try {
      const callId = `mf0-${randomBytes(6).toString('hex')}`;
      const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
      const via = `SIP/2.0/UDP 127.0.0.1:${caller.port};branch=${branch};rport`;
      const from = `<sip:raw@127.0.0.1:${caller.port}>;tag=mf0`;
      const sdp = 'v=0\r\no=raw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
      caller.send([
        `INVITE ${rig.uri('1002')} SIP/2.0`, `Via: ${via}`, 'Max-Forwards: 0', `From: ${from}`, `To: <${rig.uri('1002')}>`,
        `Call-ID: ${callId}`, 'CSeq: 1 INVITE', `Contact: <sip:raw@127.0.0.1:${caller.port}>`,
        'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(sdp)}`, '', sdp,
      ].join('\r\n'));
      const final = await caller.next((m) => /^SIP\/2\.0 [2-6]\d\d/.test(m));
      expect(final.split('\r\n')[0]).to.equal('SIP/2.0 483 Too Many Hops');
      caller.send([
        `ACK ${rig.uri('1002')} SIP/2.0`, `Via: ${via}`, 'Max-Forwards: 70', `From: ${from}`, `To: ${header(final, 'To')}`,
        `Call-ID: ${callId}`, 'CSeq: 1 ACK', 'Content-Length: 0', '', '',
      ].join('\r\n'));
      expect(bob.sessions.list()).to.have.length(0);
    } finally {
      caller.socket.close();
    }
  });

  it('forks with Max-Forwards one less than the caller sent (RFC 3261 16.6 step 3)', async () => {
    const callee = await SipStack.create({ listen: ['udp://127.0.0.1:0'] });
    const caller = await rawCaller(rig.pbxPort);
    try {
      const port = callee.listeningPoints()[0]!.port;
      await rig.register('1003', { name: 'mf-callee', contact: `sip:1003@127.0.0.1:${port}`, port });
      const received = new Promise<string | undefined>((resolve) => {
        callee.onInvite(async (invite) => {
          resolve(invite.request.headers.get('max-forwards'));
          await invite.reject(486);
        });
      });
      const callId = `mf9-${randomBytes(6).toString('hex')}`;
      const via = `SIP/2.0/UDP 127.0.0.1:${caller.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`;
      const sdp = 'v=0\r\no=raw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
      caller.send([
        `INVITE ${rig.uri('1003')} SIP/2.0`, `Via: ${via}`, 'Max-Forwards: 10', `From: <sip:raw@127.0.0.1:${caller.port}>;tag=mf9`,
        `To: <${rig.uri('1003')}>`, `Call-ID: ${callId}`, 'CSeq: 1 INVITE', `Contact: <sip:raw@127.0.0.1:${caller.port}>`,
        'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(sdp)}`, '', sdp,
      ].join('\r\n'));
      expect(await received).to.equal('9');
    } finally {
      caller.socket.close();
      await callee.close();
    }
  });

  it('sends a fork for a contact registered through an edge proxy to that proxy, with the Path as Route (RFC 3327)', async () => {
    const edge = await rawCaller(rig.pbxPort);
    const caller = await rawCaller(rig.pbxPort);
    try {
      const registry = rig.pbx.get<RegistryServiceType>(RegistryService);
      const path = [`<sip:127.0.0.1:${edge.port};lr>`, '<sip:core-edge.invalid;lr>'];
      const registered = await registry.register({
        aor: `sip:1004@${DOMAIN}`, contact: 'sip:1004@192.0.2.44:5060', expiresSeconds: 600, callId: 'reg-path-1004', cseq: 1,
        source: { transport: 'udp', address: '127.0.0.1', port: edge.port }, path,
      });
      expect(registered.ok).to.equal(true);
      const sdp = 'v=0\r\no=raw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
      caller.send([
        `INVITE ${rig.uri('1004')} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${caller.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
        'Max-Forwards: 70', `From: <sip:raw@127.0.0.1:${caller.port}>;tag=path`, `To: <${rig.uri('1004')}>`,
        `Call-ID: path-${randomBytes(6).toString('hex')}`, 'CSeq: 1 INVITE', `Contact: <sip:raw@127.0.0.1:${caller.port}>`,
        'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(sdp)}`, '', sdp,
      ].join('\r\n'));
      // The edge, not the unreachable contact, gets the INVITE: Request-URI the contact, Route the Path.
      const fork = await edge.next((m) => m.startsWith('INVITE '));
      expect(fork.split('\r\n')[0]).to.equal('INVITE sip:1004@192.0.2.44:5060 SIP/2.0');
      expect(header(fork, 'Route')).to.equal(path.join(', '));
    } finally {
      edge.socket.close();
      caller.socket.close();
    }
  });
});
