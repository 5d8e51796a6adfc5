import { expect } from 'chai';
import { DialogLayer } from '../../src/dialog/dialog-layer.js';
import type { DialogTerminationReason } from '../../src/dialog/dialog-layer.js';
import type { Dialog } from '../../src/dialog/dialog.js';
import { CALL_ID, FakeScheduler, RecordingWire, inDialogAtUas, inviteAtUac, inviteAtUas, reparse, req, responseAtUac, uasResponse } from './fixtures.js';

const T1 = 500;

function setup(): { clock: FakeScheduler; wire: RecordingWire; layer: DialogLayer; ended: Array<[string, DialogTerminationReason]> } {
  const clock = new FakeScheduler();
  const wire = new RecordingWire(clock);
  const layer = new DialogLayer({ wire, scheduler: clock, timers: { T1, T2: 4000 } });
  const ended: Array<[string, DialogTerminationReason]> = [];
  layer.on('terminated', (d: Dialog, reason: DialogTerminationReason) => ended.push([d.remoteTag || d.id, reason]));
  return { clock, wire, layer, ended };
}

function expectNoLeaks(layer: DialogLayer, clock: FakeScheduler): void {
  expect(layer.stats()).to.deep.equal({ dialogs: 0, forkedInvites: 0, pending2xx: 0, cachedAcks: 0 });
  expect(layer.size).to.equal(0);
  expect(clock.pending).to.equal(0);
}

describe('DialogLayer', () => {
  describe('UAC: forking (12.1.2, 13.2.2.4)', () => {
    it('two 180s with different tags make two early dialogs; two 200s confirm each', async () => {
      const { clock, wire, layer, ended } = setup();
      const invite = inviteAtUac();
      const created: string[] = [];
      const confirmed: string[] = [];
      layer.on('created', (d: Dialog) => created.push(d.remoteTag));
      layer.on('confirmed', (d: Dialog) => confirmed.push(d.remoteTag));

      const a = layer.receiveResponse(invite, responseAtUac(180, 'fork-a', { contact: '<sip:bob@192.0.2.10>' }));
      const b = layer.receiveResponse(invite, responseAtUac(180, 'fork-b', { contact: '<sip:bob@192.0.2.20>' }));
      expect(a.created && b.created).to.equal(true);
      expect(a.dialog!.id).to.not.equal(b.dialog!.id);
      expect([a.dialog!.state, b.dialog!.state]).to.deep.equal(['early', 'early']);
      expect(layer.size).to.equal(2);
      // A second 180 on fork a updates it, never duplicates it.
      const again = layer.receiveResponse(invite, responseAtUac(183, 'fork-a', { contact: '<sip:bob@192.0.2.11>' }));
      expect(again.created).to.equal(false);
      expect(again.dialog).to.equal(a.dialog);
      expect(a.dialog!.remoteTarget).to.equal('sip:bob@192.0.2.11');

      const okA = layer.receiveResponse(invite, responseAtUac(200, 'fork-a', { contact: '<sip:bob@192.0.2.12>' }));
      const okB = layer.receiveResponse(invite, responseAtUac(200, 'fork-b', { contact: '<sip:bob@192.0.2.20>' }));
      expect(okA.dialog).to.equal(a.dialog);
      expect(okB.dialog).to.equal(b.dialog);
      expect([a.dialog!.state, b.dialog!.state]).to.deep.equal(['confirmed', 'confirmed']);
      expect(a.dialog!.remoteTarget).to.equal('sip:bob@192.0.2.12');
      expect(created).to.deep.equal(['fork-a', 'fork-b']);
      expect(confirmed).to.deep.equal(['fork-a', 'fork-b']);

      // The caller keeps fork a: ACK both, BYE fork b.
      await layer.sendAck(a.dialog!, responseAtUac(200, 'fork-a'));
      await layer.sendAck(b.dialog!, responseAtUac(200, 'fork-b'));
      const bye = b.dialog!.createRequest('BYE');
      expect(bye.to.tag).to.equal('fork-b');
      layer.terminate(b.dialog!, 'bye');
      expect(wire.requests.map((r) => [r.req.method, r.req.rawUri])).to.deep.equal([
        ['ACK', 'sip:bob@192.0.2.12'],
        ['ACK', 'sip:bob@192.0.2.20'],
      ]);
      expect(layer.size).to.equal(1);
      layer.terminate(a.dialog!, 'bye');
      clock.advance(64 * T1);
      expect(ended).to.deep.equal([
        ['fork-b', 'bye'],
        ['fork-a', 'bye'],
      ]);
      expectNoLeaks(layer, clock);
    });

    it('a 200 from a tag never seen creates a confirmed dialog of its own', () => {
      const { layer } = setup();
      const invite = inviteAtUac();
      layer.receiveResponse(invite, responseAtUac(180, 'fork-a'));
      const out = layer.receiveResponse(invite, responseAtUac(200, 'fork-c'));
      expect(out.created).to.equal(true);
      expect(out.dialog!.state).to.equal('confirmed');
      expect(layer.size).to.equal(2);
    });

    it('early dialogs that see no 2xx end 64*T1 after the first 2xx', () => {
      const { clock, layer, ended } = setup();
      const invite = inviteAtUac();
      layer.receiveResponse(invite, responseAtUac(180, 'fork-a'));
      layer.receiveResponse(invite, responseAtUac(180, 'fork-b'));
      const ok = layer.receiveResponse(invite, responseAtUac(200, 'fork-a'));
      clock.advance(64 * T1 - 1);
      expect(layer.size).to.equal(2);
      clock.advance(1);
      expect(ended).to.deep.equal([['fork-b', 'early-timeout']]);
      expect(layer.size).to.equal(1);
      layer.terminate(ok.dialog!);
      expectNoLeaks(layer, clock);
    });

    it('a final non-2xx ends every early dialog of the INVITE', () => {
      const { clock, layer, ended } = setup();
      const invite = inviteAtUac();
      layer.receiveResponse(invite, responseAtUac(180, 'fork-a'));
      layer.receiveResponse(invite, responseAtUac(180, 'fork-b'));
      layer.receiveResponse(invite, responseAtUac(486, 'fork-b'));
      expect(ended).to.deep.equal([
        ['fork-a', 'rejected'],
        ['fork-b', 'rejected'],
      ]);
      expectNoLeaks(layer, clock);
    });
  });

  it('ends the early dialogs of an INVITE abandoned without a final response', () => {
    const { clock, layer, ended } = setup();
    const invite = inviteAtUac();
    layer.receiveResponse(invite, responseAtUac(180, 'fork-a'));
    layer.abandonInvite(invite);
    expect(ended).to.deep.equal([['fork-a', 'timeout']]);
    expectNoLeaks(layer, clock);
  });

  it('the caller finds its dialog for a BYE sent by the callee', () => {
    const { clock, layer, ended } = setup();
    const { dialog } = layer.receiveResponse(inviteAtUac(), responseAtUac(200, 'bobtag'));
    const bye = req([
      'BYE sip:alice@pc33.atlanta.example.com SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bK-bob-bye',
      'Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>',
      'From: Bob <sip:bob@biloxi.example.com>;tag=bobtag',
      'To: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
      `Call-ID: ${CALL_ID}`,
      'CSeq: 231 BYE',
      'Content-Length: 0',
    ]);
    const verdict = layer.receiveRequest(bye);
    expect(verdict).to.deep.equal({ kind: 'in-dialog', dialog });
    expect(dialog!.remoteSeq).to.equal(231);
    expect(ended).to.deep.equal([['bobtag', 'bye']]);
    clock.advance(64 * T1);
    expectNoLeaks(layer, clock);
  });

  describe('UAC: ACK for 2xx (13.2.2.4)', () => {
    it('builds the ACK as its own request with the INVITE CSeq and the route set', async () => {
      const { wire, layer } = setup();
      const invite = inviteAtUac();
      const ok = responseAtUac(200, 'bobtag');
      const { dialog } = layer.receiveResponse(invite, ok);
      const ack = reparse(await layer.sendAck(dialog!, ok, { body: 'v=0\r\n', contentType: 'application/sdp' }));
      expect(ack.method).to.equal('ACK');
      expect(ack.rawUri).to.equal('sip:bob@192.0.2.4');
      expect(ack.cseq).to.deep.equal({ seq: 314159, method: 'ACK' });
      expect(ack.routes.map((r) => r.uri.toString())).to.deep.equal(['sip:p1.example.com;lr', 'sip:p2.example.com;lr']);
      expect(ack.topVia!.branch).to.not.equal('z9hG4bK-uac');
      expect(ack.to.tag).to.equal('bobtag');
      expect(ack.body.toString()).to.equal('v=0\r\n');
      expect(wire.requests).to.have.length(1);
    });

    it('answers a retransmitted 2xx with the same ACK, not a new one', async () => {
      const { wire, layer, clock } = setup();
      const invite = inviteAtUac();
      const first = layer.receiveResponse(invite, responseAtUac(200, 'bobtag'));
      expect(first.retransmission).to.equal(false);
      const ack = await layer.sendAck(first.dialog!, responseAtUac(200, 'bobtag'));
      const again = layer.receiveResponse(invite, responseAtUac(200, 'bobtag'));
      expect(again.retransmission).to.equal(true);
      expect(again.created).to.equal(false);
      layer.receiveResponse(invite, responseAtUac(200, 'bobtag'));
      expect(wire.requests).to.have.length(3);
      expect(wire.requests.every((r) => r.req === ack)).to.equal(true);
      expect(new Set(wire.requests.map((r) => r.req.topVia!.branch)).size).to.equal(1);
      // sendAck for the same 2xx again re-sends the cached one.
      expect(await layer.sendAck(first.dialog!, responseAtUac(200, 'bobtag'))).to.equal(ack);
      layer.terminate(first.dialog!, 'bye');
      // Cached ACKs outlive the dialog for 64*T1 (2xx retransmissions may still come).
      expect(layer.stats().cachedAcks).to.equal(1);
      clock.advance(64 * T1);
      expectNoLeaks(layer, clock);
    });

    it('a 2xx retransmitted before the TU sent its ACK is flagged but not answered', () => {
      const { wire, layer } = setup();
      const invite = inviteAtUac();
      layer.receiveResponse(invite, responseAtUac(200, 'bobtag'));
      expect(layer.receiveResponse(invite, responseAtUac(200, 'bobtag')).retransmission).to.equal(true);
      expect(wire.requests).to.have.length(0);
    });

    it('481 or 408 to an in-dialog request ends the dialog (12.2.1.2)', () => {
      const { layer, ended } = setup();
      const { dialog } = layer.receiveResponse(inviteAtUac(), responseAtUac(200, 'bobtag'));
      const info = dialog!.createRequest('INFO');
      layer.receiveResponse(info, responseAtUac(481, 'bobtag', { cseq: info.cseq.seq, method: 'INFO' }));
      expect(dialog!.state).to.equal('terminated');
      expect(ended).to.deep.equal([['bobtag', 'peer-gone']]);
    });

    it('a re-INVITE rejected with 491 keeps the dialog; with 481 ends it', () => {
      const { layer, ended } = setup();
      const { dialog } = layer.receiveResponse(inviteAtUac(), responseAtUac(200, 'bobtag'));
      const reinvite = dialog!.createRequest('INVITE');
      const seq = reinvite.cseq.seq;
      layer.receiveResponse(reinvite, responseAtUac(491, 'bobtag', { cseq: seq }));
      expect(dialog!.state).to.equal('confirmed');
      const again = dialog!.createRequest('INVITE');
      layer.receiveResponse(again, responseAtUac(481, 'bobtag', { cseq: again.cseq.seq }));
      expect(dialog!.state).to.equal('terminated');
      expect(ended).to.deep.equal([['bobtag', 'peer-gone']]);
    });
  });

  describe('UAS: 2xx retransmission (13.3.1.4)', () => {
    it('resends at T1, 2T1, 4T1 capped at T2 until 64*T1, then raises ackTimeout', () => {
      const { clock, wire, layer } = setup();
      const invite = inviteAtUas();
      const ok = uasResponse(invite, 200);
      const dialog = layer.responseSent(invite, ok)!;
      const timeouts: Dialog[] = [];
      layer.on('ackTimeout', (d: Dialog) => timeouts.push(d));
      clock.advance(64 * T1);
      expect(wire.responses.map((r) => r.at)).to.deep.equal([500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
      expect(wire.responses.every((r) => r.res === ok)).to.equal(true);
      expect(timeouts).to.deep.equal([dialog]);
      expect(layer.stats().pending2xx).to.equal(0);
      // The TU answers the timeout with BYE and ends the dialog.
      layer.terminate(dialog, 'bye');
      expectNoLeaks(layer, clock);
    });

    it('stops when the ACK arrives', () => {
      const { clock, wire, layer } = setup();
      const invite = inviteAtUas();
      layer.responseSent(invite, uasResponse(invite, 200));
      clock.advance(1600);
      expect(wire.responses).to.have.length(2);
      const verdict = layer.receiveRequest(inDialogAtUas('ACK', 314159));
      expect(verdict.kind).to.equal('in-dialog');
      clock.advance(64 * T1);
      expect(wire.responses).to.have.length(2);
      expect(layer.stats().pending2xx).to.equal(0);
    });

    it('over a reliable transport sends nothing more but still waits for the ACK', () => {
      const { clock, wire, layer } = setup();
      const invite = inviteAtUas();
      const dialog = layer.responseSent(invite, uasResponse(invite, 200), { reliable: true })!;
      let timedOut: Dialog | undefined;
      layer.on('ackTimeout', (d: Dialog) => (timedOut = d));
      clock.advance(64 * T1);
      expect(wire.responses).to.have.length(0);
      expect(timedOut).to.equal(dialog);
    });

    it('an early dialog from a 180 is confirmed by the 2xx', () => {
      const { layer } = setup();
      const invite = inviteAtUas();
      const confirmed: Dialog[] = [];
      layer.on('confirmed', (d: Dialog) => confirmed.push(d));
      const early = layer.responseSent(invite, uasResponse(invite, 180))!;
      expect(early.state).to.equal('early');
      expect(layer.responseSent(invite, uasResponse(invite, 200))).to.equal(early);
      expect(early.state).to.equal('confirmed');
      expect(confirmed).to.deep.equal([early]);
      expect(layer.size).to.equal(1);
    });

    it('an early dialog from a 180 is ended by a final error response', () => {
      const { layer, ended } = setup();
      const invite = inviteAtUas();
      const early = layer.responseSent(invite, uasResponse(invite, 180))!;
      expect(early.state).to.equal('early');
      expect(layer.responseSent(invite, uasResponse(invite, 486))).to.equal(early);
      expect(early.state).to.equal('terminated');
      expect(ended).to.deep.equal([['1928301774', 'rejected']]);
      expect(layer.size).to.equal(0);
    });
  });

  describe('UAS: in-dialog requests (12.2.2)', () => {
    it('PRACK and UPDATE reach the early dialog (RFC 3262, 3311); UPDATE refreshes its target', () => {
      const { layer } = setup();
      const invite = inviteAtUas({ cseq: 1 });
      const early = layer.responseSent(invite, uasResponse(invite, 180))!;
      const prack = layer.receiveRequest(inDialogAtUas('PRACK', 2));
      expect(prack).to.deep.equal({ kind: 'in-dialog', dialog: early });
      const update = layer.receiveRequest(inDialogAtUas('UPDATE', 3, { contact: '<sip:alice@203.0.113.3>' }));
      expect(update.kind).to.equal('in-dialog');
      expect(early.state).to.equal('early');
      expect(early.remoteSeq).to.equal(3);
      expect(early.remoteTarget).to.equal('sip:alice@203.0.113.3');
      // Our own UPDATE in the early dialog takes the next local CSeq.
      const ours = reparse(early.createRequest('UPDATE'));
      expect(ours.rawUri).to.equal('sip:alice@203.0.113.3');
      expect(ours.to.tag).to.equal('1928301774');
      expect(ours.from.tag).to.equal('bobtag');
    });

    it('answers 481 for a request matching no dialog, and drops a stray ACK', () => {
      const { layer } = setup();
      const verdict = layer.receiveRequest(inDialogAtUas('BYE', 2, { toTag: 'nobody' }));
      expect(verdict.kind).to.equal('reject');
      if (verdict.kind !== 'reject') return;
      expect(verdict.status).to.equal(481);
      expect(verdict.response.status).to.equal(481);
      expect(verdict.response.reason).to.equal('Call/Transaction Does Not Exist');
      expect(verdict.response.cseq).to.deep.equal({ seq: 2, method: 'BYE' });
      expect(layer.receiveRequest(inDialogAtUas('ACK', 2, { toTag: 'nobody' })).kind).to.equal('stray-ack');
    });

    it('passes requests without a To tag through as out-of-dialog', () => {
      const { layer } = setup();
      expect(layer.receiveRequest(inviteAtUas()).kind).to.equal('out-of-dialog');
    });

    it('answers 500 for a CSeq below the remote sequence number', () => {
      const { layer } = setup();
      const invite = inviteAtUas({ cseq: 100 });
      layer.responseSent(invite, uasResponse(invite, 200));
      layer.receiveRequest(inDialogAtUas('ACK', 100));
      expect(layer.receiveRequest(inDialogAtUas('INFO', 101)).kind).to.equal('in-dialog');
      const late = layer.receiveRequest(inDialogAtUas('INFO', 99));
      expect(late.kind).to.equal('reject');
      if (late.kind === 'reject') {
        expect(late.status).to.equal(500);
        expect(late.response.status).to.equal(500);
      }
    });

    it('refreshes the target on a re-INVITE and ends the dialog on BYE, leaving nothing behind', () => {
      const { clock, layer, ended } = setup();
      const refreshed: string[] = [];
      layer.on('targetRefreshed', (d: Dialog) => refreshed.push(d.remoteTarget));
      const invite = inviteAtUas();
      const ok = uasResponse(invite, 200);
      layer.responseSent(invite, ok);
      layer.receiveRequest(inDialogAtUas('ACK', 314159));
      const reinvite = inDialogAtUas('INVITE', 314160, { contact: '<sip:alice@203.0.113.77>' });
      expect(layer.receiveRequest(reinvite).kind).to.equal('in-dialog');
      expect(refreshed).to.deep.equal(['sip:alice@203.0.113.77']);
      // Our 2xx to the re-INVITE is kept alive too, until its ACK.
      layer.responseSent(reinvite, uasResponse(reinvite, 200));
      expect(layer.stats().pending2xx).to.equal(1);
      layer.receiveRequest(inDialogAtUas('ACK', 314160));
      expect(layer.stats().pending2xx).to.equal(0);
      const bye = layer.receiveRequest(inDialogAtUas('BYE', 314161));
      expect(bye.kind).to.equal('in-dialog');
      if (bye.kind === 'in-dialog') expect(bye.dialog.state).to.equal('terminated');
      expect(ended).to.deep.equal([['1928301774', 'bye']]);
      expect(layer.receiveRequest(inDialogAtUas('BYE', 314162)).kind).to.equal('reject');
      expectNoLeaks(layer, clock);
    });

    it('a BYE before the ACK stops the 2xx retransmissions', () => {
      const { clock, wire, layer } = setup();
      const invite = inviteAtUas();
      layer.responseSent(invite, uasResponse(invite, 200));
      layer.receiveRequest(inDialogAtUas('BYE', 314160));
      clock.advance(64 * T1);
      expect(wire.responses).to.have.length(0);
      expectNoLeaks(layer, clock);
    });
  });

  it('returns to an empty table after many calls in both roles', async () => {
    const { clock, layer } = setup();
    for (let i = 0; i < 50; i++) {
      const uacInvite = inviteAtUac(1000 + i);
      const { dialog } = layer.receiveResponse(uacInvite, responseAtUac(200, `t${i}`, { cseq: 1000 + i }));
      await layer.sendAck(dialog!, responseAtUac(200, `t${i}`, { cseq: 1000 + i }));
      layer.terminate(dialog!, 'bye');
      const uasInvite = inviteAtUas({ cseq: 2000 + i });
      const ok = uasResponse(uasInvite, 200, `u${i}`);
      layer.responseSent(uasInvite, ok);
      layer.receiveRequest(inDialogAtUas('ACK', 2000 + i, { toTag: `u${i}` }));
      layer.receiveRequest(inDialogAtUas('BYE', 2001 + i, { toTag: `u${i}` }));
    }
    expect(layer.size).to.equal(0);
    clock.advance(64 * T1);
    expectNoLeaks(layer, clock);
  });

  it('close() stops every timer and forgets every dialog', () => {
    const { clock, layer } = setup();
    const invite = inviteAtUas();
    layer.responseSent(invite, uasResponse(invite, 200));
    layer.receiveResponse(inviteAtUac(), responseAtUac(180, 'x'));
    layer.close();
    expectNoLeaks(layer, clock);
  });
});
