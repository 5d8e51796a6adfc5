/**
 * The 2xx/ACK exchange over real UDP sockets on loopback: the UAS DialogLayer
 * retransmits its 200 through a TransportLayer until the UAC DialogLayer's ACK arrives,
 * and the UAC answers each copy of the 200 with the same ACK.
 */
import { expect } from 'chai';
import { TransportLayer } from '../../src/transport/transport-layer.js';
import type { ReceivedInfo } from '../../src/transport/types.js';
import type { SipMessage, SipRequest } from '../../src/message/message.js';
import { SipResponse } from '../../src/message/message.js';
import { DialogLayer } from '../../src/dialog/dialog-layer.js';
import { createResponse } from '../../src/transaction/response.js';
import type { DialogWire } from '../../src/dialog/wire.js';
import { req } from './fixtures.js';

function waitFor(pred: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (pred()) resolve();
      else if (Date.now() - started > limitMs) reject(new Error(`gave up waiting for ${what}`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

describe('DialogLayer over UDP on loopback', () => {
  let alice: TransportLayer;
  let bob: TransportLayer;

  beforeEach(async () => {
    alice = new TransportLayer();
    bob = new TransportLayer();
    await alice.listen(['udp://127.0.0.1:0']);
    await bob.listen(['udp://127.0.0.1:0']);
  });

  afterEach(async () => {
    await alice.close();
    await bob.close();
  });

  it('retransmits the 200 until the ACK; the UAC re-sends the same ACK for each copy', async () => {
    // The transport layer itself is the wire: no adapter between them.
    const aliceWire: DialogWire = alice;
    const bobWire: DialogWire = bob;
    const timers = { T1: 20, T2: 80 };
    const aliceDialogs = new DialogLayer({ wire: aliceWire, timers });
    const bobDialogs = new DialogLayer({ wire: bobWire, timers });
    const aliceHost = alice.localHostPort('udp');
    const bobHost = bob.localHostPort('udp');

    const invite = req([
      `INVITE sip:bob@${bobHost} SIP/2.0`,
      `Via: SIP/2.0/UDP ${aliceHost};branch=z9hG4bK-udp-invite`,
      'Max-Forwards: 70',
      `From: <sip:alice@${aliceHost}>;tag=alice-udp`,
      `To: <sip:bob@${bobHost}>`,
      'Call-ID: udp-dialog-test@127.0.0.1',
      'CSeq: 7 INVITE',
      `Contact: <sip:alice@${aliceHost}>`,
      'Content-Length: 0',
    ]);

    const acksAtBob: SipRequest[] = [];
    const oksAtAlice: SipResponse[] = [];
    bob.onMessage((msg: SipMessage, source: ReceivedInfo) => {
      if (msg instanceof SipResponse) return;
      if (msg.method === 'INVITE') {
        const response = createResponse(msg, 200, 'OK', { toTag: 'bob-udp' });
        response.appendHeader('Contact', `<sip:bob@${bobHost}>`);
        bobDialogs.responseSent(msg, response, { source });
        void bob.sendResponse(response, source);
      } else if (msg.method === 'ACK') {
        acksAtBob.push(msg);
        bobDialogs.receiveRequest(msg);
      }
    });
    const byesAtAlice: SipRequest[] = [];
    alice.onMessage((msg: SipMessage) => {
      if (!(msg instanceof SipResponse)) {
        if (msg.method === 'BYE') byesAtAlice.push(msg);
        return;
      }
      oksAtAlice.push(msg);
      const out = aliceDialogs.receiveResponse(invite, msg);
      // Hold the ACK back until a retransmission proves the UAS resends its 200.
      if (oksAtAlice.length === 2) void aliceDialogs.sendAck(out.dialog!, msg);
    });

    await alice.sendRequest(invite);
    await waitFor(() => acksAtBob.length >= 1, 'the ACK at Bob');
    await waitFor(() => bobDialogs.stats().pending2xx === 0, 'Bob to stop retransmitting');

    expect(oksAtAlice.length).to.be.at.least(2);
    expect(new Set(acksAtBob.map((a) => a.topVia!.branch)).size).to.equal(1);
    expect(acksAtBob[0]!.cseq).to.deep.equal({ seq: 7, method: 'ACK' });
    expect(acksAtBob[0]!.to.tag).to.equal('bob-udp');
    const bobDialog = bobDialogs.get('udp-dialog-test@127.0.0.1;bob-udp;alice-udp')!;
    expect(bobDialog.state).to.equal('confirmed');

    // Bob hangs up: the BYE reaches Alice's dialog by its id and ends it there.
    const bye = bobDialog.createRequest('BYE');
    await bob.sendRequest(bye);
    await waitFor(() => byesAtAlice.length === 1, 'the BYE at Alice');
    expect(aliceDialogs.receiveRequest(byesAtAlice[0]!).kind).to.equal('in-dialog');
    bobDialogs.terminate(bobDialog, 'bye');
    expect(aliceDialogs.size).to.equal(0);
    expect(bobDialogs.size).to.equal(0);
    aliceDialogs.close();
    bobDialogs.close();
  });
});
