/**
 * Hanging up an inbound call between our 200 and the caller's ACK. The caller is a raw
 * UDP socket so the test decides when (and whether) the ACK goes out.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Decision } from '@rvoip/contracts';
import type { CallEvent } from '@rvoip/contracts';
import { SipStack } from '@rvoip/sip';
import { DefaultCallController } from '../../src/call-controller.js';
import { LocalEventSink } from '../../src/events/local-event-sink.js';
import { DefaultSessionManager } from '../../src/session-manager.js';
import { SessionRuntime } from '../../src/session-runtime.js';
import { loadStateTable } from '../../src/state/state-table-loader.js';
import { FakeMedia } from '../helpers/fake-media.js';
import { testPeer, waitForState, type TestPeer } from '../helpers/sip-peers.js';
import { header, rawCaller, type RawCaller } from './raw-caller.js';


const SDP = 'v=0\r\no=raw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';

/** Sends an initial INVITE from the raw caller to `uri`; returns its Call-ID. */
function sendInvite(caller: RawCaller, uri: string): string {
  const callId = `race-${randomBytes(6).toString('hex')}`;
  const via = `SIP/2.0/UDP 127.0.0.1:${caller.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`;
  caller.send([
    `INVITE ${uri} SIP/2.0`, `Via: ${via}`, 'Max-Forwards: 70', `From: <sip:raw@127.0.0.1:${caller.port}>;tag=rawtag`,
    `To: <${uri}>`, `Call-ID: ${callId}`, 'CSeq: 1 INVITE', `Contact: <sip:raw@127.0.0.1:${caller.port}>`,
    'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(SDP)}`, '', SDP,
  ].join('\r\n'));
  return callId;
}

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
    const ringing = waitForState(bob, 'ringing');
    const callId = sendInvite(caller, bob.uri);
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

  it('a BYE right behind the ACK (one inbound batch) still ends the answered session', async () => {
    const ringing = waitForState(bob, 'ringing');
    const callId = sendInvite(caller, bob.uri);
    const id = await ringing;
    const answered = bob.calls.answer(id);
    const ok = await caller.next((m) => m.startsWith('SIP/2.0 200') && header(m, 'CSeq').endsWith('INVITE'));
    const ended = bob.calls.ended(id);
    const contact = /<([^>]+)>/.exec(header(ok, 'Contact'))![1]!;
    const inDialog = (method: string, seq: number): string => [
      `${method} ${contact} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${caller.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      'Max-Forwards: 70', `From: <sip:raw@127.0.0.1:${caller.port}>;tag=rawtag`, `To: ${header(ok, 'To')}`, `Call-ID: ${callId}`,
      `CSeq: ${seq} ${method}`, 'Content-Length: 0', '', '',
    ].join('\r\n');
    caller.send(inDialog('ACK', 1));
    caller.send(inDialog('BYE', 2));
    const byeOk = await caller.next((m) => m.startsWith('SIP/2.0 200') && header(m, 'CSeq') === '2 BYE');
    expect(byeOk).to.be.a('string');
    await answered;
    await ended;
    expect(bob.sessions.get(id)).to.equal(undefined);
  });

  it('gives up when the ACK never comes: the UA BYEs (13.3.1.4) and the session ends as timed out', async () => {
    // A stack of its own with a short T1, so 64*T1 passes quickly.
    const stack = await SipStack.create({ listen: ['udp://127.0.0.1:0'], domain: '127.0.0.1', timers: { T1: 10 } });
    const uri = `sip:carol@127.0.0.1:${stack.listeningPoints()[0]!.port}`;
    const events: CallEvent[] = [];
    const sink = new LocalEventSink(() => [{ onCallEnd: (e) => { events.push(e); } }]);
    const runtime = new SessionRuntime({
      ua: stack, media: new FakeMedia(), signaling: { decide: () => Decision.defer() }, table: loadStateTable(), sink,
      settings: { localUri: uri, sessionExpires: 1800, mediaStatsIntervalMs: 0 },
    });
    const calls = new DefaultCallController(runtime);
    const sessions = new DefaultSessionManager(runtime);
    const silent = await rawCaller(stack.listeningPoints()[0]!.port);
    try {
      const ringing = new Promise<string>((resolve) => {
        const sub = sessions.onStateChange((c) => { if (c.to === 'ringing') { sub.dispose(); resolve(c.session.id); } });
      });
      sendInvite(silent, uri);
      const id = await ringing;
      const answered = calls.answer(id).then(() => 'answered', (err: Error) => err.message);
      await silent.next((m) => m.startsWith('SIP/2.0 200'));
      const hangup = calls.hangup(id);
      await silent.next((m) => m.startsWith('BYE '));
      await hangup;
      expect(await answered).to.match(/no ACK/);
      expect(sessions.get(id)).to.equal(undefined);
      await sink.drain();
      const end = events.find((e) => e.type === 'call-ended');
      expect(end && end.type === 'call-ended' && end.cdr.endReason).to.equal('timeout');
      expect(silent.received.filter((m) => /^SIP\/2\.0 [3-6]\d\d/.test(m))).to.deep.equal([]);
    } finally {
      silent.socket.close();
      await stack.close();
    }
  });
});
