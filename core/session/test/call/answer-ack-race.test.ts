/**
 * Hanging up an inbound call between our 200 and the caller's ACK. The caller is a raw
 * UDP socket so the test decides when (and whether) the ACK goes out.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Decision } from '@rvoip/contracts';
import { testPeer, waitForState, type TestPeer } from '../helpers/sip-peers.js';
import { header, rawCaller, type RawCaller } from './raw-caller.js';

describe('inbound call: hangup while our 2xx awaits its ACK (RFC 3261 15)', function () {
  this.timeout(20_000);
  let bob: TestPeer;
  let caller: RawCaller;
  beforeEach(async () => {
    bob = await testPeer('bob');
    bob.decide = () => Decision.defer({ ring: true });
    caller = await rawCaller(bob.stack.listeningPoints()[0]!.port);
  });
  afterEach(async () => {
    caller.socket.close();
    await bob.close();
  });

  it('waits for the ACK, then sends BYE; no final failure goes out and the session ends', async () => {
    const callId = `race-${randomBytes(6).toString('hex')}`;
    const via = `SIP/2.0/UDP 127.0.0.1:${caller.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`;
    const sdp = 'v=0\r\no=raw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
    const ringing = waitForState(bob, 'ringing');
    caller.send([
      `INVITE ${bob.uri} SIP/2.0`, `Via: ${via}`, 'Max-Forwards: 70', `From: <sip:raw@127.0.0.1:${caller.port}>;tag=rawtag`,
      `To: <${bob.uri}>`, `Call-ID: ${callId}`, 'CSeq: 1 INVITE', `Contact: <sip:raw@127.0.0.1:${caller.port}>`,
      'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(sdp)}`, '', sdp,
    ].join('\r\n'));
    const id = await ringing;
    const answered = bob.calls.answer(id);
    const ok = await caller.next((m) => m.startsWith('SIP/2.0 200') && header(m, 'CSeq').endsWith('INVITE'));

    // The 2xx is out, the ACK is not: the callee hangs up now.
    const hangup = bob.calls.hangup(id);
    const ended = bob.calls.ended(id);
    const toHeader = header(ok, 'To');
    const contact = /<([^>]+)>/.exec(header(ok, 'Contact'))![1]!;
    caller.send([
      `ACK ${contact} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${caller.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      'Max-Forwards: 70', `From: <sip:raw@127.0.0.1:${caller.port}>;tag=rawtag`, `To: ${toHeader}`, `Call-ID: ${callId}`,
      'CSeq: 1 ACK', 'Content-Length: 0', '', '',
    ].join('\r\n'));

    const bye = await caller.next((m) => m.startsWith('BYE '));
    expect(header(bye, 'Call-ID')).to.equal(callId);
    caller.send([
      'SIP/2.0 200 OK', ...bye.split('\r\n').filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l)), 'Content-Length: 0', '', '',
    ].join('\r\n'));
    await Promise.all([answered, hangup, ended]);

    const finals = caller.received.filter((m) => /^SIP\/2\.0 [3-6]\d\d/.test(m));
    expect(finals, finals.join('\n')).to.deep.equal([]);
    expect(bob.sessions.get(id)).to.equal(undefined);
    await bob.sink.drain();
    const end = bob.events.find((e) => e.type === 'call-ended');
    expect(end && end.type === 'call-ended' && end.cdr.endReason).to.equal('normal');
    expect(end && end.type === 'call-ended' && end.cdr.answeredAt).to.be.instanceOf(Date);
  });
});
