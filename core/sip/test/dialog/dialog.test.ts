import { expect } from 'chai';
import { createUacDialog, createUasDialog, createsDialog } from '../../src/dialog/dialog-factory.js';
import { CALL_ID, inDialogAtUas, inviteAtUac, inviteAtUas, reparse, responseAtUac, uasResponse } from './fixtures.js';

describe('Dialog (RFC 3261 12)', () => {
  describe('UAC creation (12.1.2)', () => {
    it('a 180 with a To tag creates an early dialog; a 200 a confirmed one', () => {
      const early = createUacDialog(inviteAtUac(), responseAtUac(180, 'bobtag'));
      expect(early.state).to.equal('early');
      expect(early.id).to.equal(`${CALL_ID};1928301774;bobtag`);
      const confirmed = createUacDialog(inviteAtUac(), responseAtUac(200, 'bobtag'));
      expect(confirmed.state).to.equal('confirmed');
      expect(confirmed.role).to.equal('uac');
      expect(confirmed.localSeq).to.equal(314159);
      expect(confirmed.remoteSeq).to.equal(undefined);
      expect(confirmed.remoteTarget).to.equal('sip:bob@192.0.2.4');
      expect(confirmed.localUri.toString()).to.equal('sip:alice@atlanta.example.com');
      expect(confirmed.remoteUri.toString()).to.equal('sip:bob@biloxi.example.com');
      expect(confirmed.secure).to.equal(false);
    });

    it('100 and tagless responses do not create dialogs', () => {
      expect(createsDialog(responseAtUac(180, ''))).to.equal(false);
      expect(createsDialog(responseAtUac(486, 'bobtag'))).to.equal(false);
      expect(() => createUacDialog(inviteAtUac(), responseAtUac(180, ''))).to.throw().with.property('code', 'RVOIP_ERR_DIALOG_BAD_MESSAGE');
    });

    it('a 2xx without Contact cannot create a dialog', () => {
      expect(() => createUacDialog(inviteAtUac(), responseAtUac(200, 'b', { contact: null })))
        .to.throw()
        .with.property('code', 'RVOIP_ERR_DIALOG_BAD_MESSAGE');
    });

    it('confirming an early dialog with the 2xx recomputes the route set from it', () => {
      const d = createUacDialog(inviteAtUac(), responseAtUac(180, 'bobtag', { recordRoute: [] }));
      expect(d.routeSet).to.have.length(0);
      expect(d.confirm(responseAtUac(200, 'bobtag'))).to.equal(true);
      expect(d.routeSet.map((r) => r.value)).to.deep.equal(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
      expect(d.confirm()).to.equal(false);
    });
  });

  it('is secure when the INVITE Request-URI was sips (12.1.1, 12.1.2)', () => {
    const invite = inviteAtUac();
    invite.rawUri = 'sips:bob@biloxi.example.com';
    invite.invalidate();
    const d = createUacDialog(invite, responseAtUac(200, 'bobtag', { contact: '<sips:bob@192.0.2.4>' }));
    expect(d.secure).to.equal(true);
    expect(reparse(d.createRequest('BYE')).topVia!.transport.toUpperCase()).to.equal('TLS');
  });

  describe('UAS creation (12.1.1)', () => {
    it('takes the remote target from the INVITE Contact and the local tag from the response', () => {
      const invite = inviteAtUas({ contact: '<sip:alice@198.51.100.7:5070;transport=tcp>' });
      const d = createUasDialog(invite, uasResponse(invite, 200));
      expect(d.id).to.equal(`${CALL_ID};bobtag;1928301774`);
      expect(d.role).to.equal('uas');
      expect(d.state).to.equal('confirmed');
      expect(d.remoteSeq).to.equal(314159);
      expect(d.localSeq).to.equal(undefined);
      expect(d.remoteTarget).to.equal('sip:alice@198.51.100.7:5070;transport=tcp');
      expect(d.localContact).to.equal('<sip:bob@192.0.2.4>');
    });
  });

  describe('requests inside the dialog (12.2.1.1)', () => {
    it('carries To/From with both tags, Call-ID and increasing CSeq numbers', () => {
      const d = createUacDialog(inviteAtUac(), responseAtUac(200, 'bobtag'));
      const info = reparse(d.createRequest('INFO', { body: 'Signal=5', contentType: 'application/dtmf-relay' }));
      const bye = reparse(d.createRequest('BYE'));
      expect(info.cseq).to.deep.equal({ seq: 314160, method: 'INFO' });
      expect(bye.cseq).to.deep.equal({ seq: 314161, method: 'BYE' });
      expect(bye.from.tag).to.equal('1928301774');
      expect(bye.from.displayName).to.equal('Alice');
      expect(bye.to.tag).to.equal('bobtag');
      expect(bye.callId).to.equal(CALL_ID);
      expect(bye.maxForwards).to.equal(70);
      expect(bye.topVia!.branch).to.match(/^z9hG4bK/);
      expect(info.topVia!.branch).to.not.equal(bye.topVia!.branch);
      expect(info.body.toString()).to.equal('Signal=5');
      expect(info.contentType).to.equal('application/dtmf-relay');
    });

    it('a target-refresh request carries the local Contact; BYE does not', () => {
      const d = createUacDialog(inviteAtUac(), responseAtUac(200, 'bobtag'));
      expect(reparse(d.createRequest('INVITE')).contacts[0]!.uri.toString()).to.equal('sip:alice@pc33.atlanta.example.com');
      expect(reparse(d.createRequest('UPDATE', { contact: '<sip:alice@203.0.113.9>' })).contacts[0]!.uri.toString()).to.equal('sip:alice@203.0.113.9');
      expect(d.localContact).to.equal('<sip:alice@203.0.113.9>');
      expect(reparse(d.createRequest('BYE')).headers.has('contact')).to.equal(false);
    });

    it('ACK keeps the INVITE number and does not consume a CSeq; CANCEL/ACK cannot be created as new requests', () => {
      const d = createUacDialog(inviteAtUac(), responseAtUac(200, 'bobtag'));
      const ack = reparse(d.createAck(314159));
      expect(ack.method).to.equal('ACK');
      expect(ack.cseq).to.deep.equal({ seq: 314159, method: 'ACK' });
      expect(ack.routes).to.have.length(2);
      expect(reparse(d.createRequest('BYE')).cseq.seq).to.equal(314160);
      expect(() => d.createRequest('ACK')).to.throw().with.property('code', 'RVOIP_ERR_DIALOG_METHOD');
      expect(() => d.createRequest('CANCEL')).to.throw().with.property('code', 'RVOIP_ERR_DIALOG_METHOD');
    });

    it('a UAS with an empty local sequence picks a random start below 2^31, then increments', () => {
      const invite = inviteAtUas();
      const d = createUasDialog(invite, uasResponse(invite, 200));
      const first = reparse(d.createRequest('INFO')).cseq.seq;
      expect(first).to.be.within(1, 2 ** 31 - 1);
      expect(reparse(d.createRequest('BYE')).cseq.seq).to.equal(first + 1);
    });

    it('refuses to build requests once terminated', () => {
      const d = createUacDialog(inviteAtUac(), responseAtUac(200, 'bobtag'));
      expect(d.terminate()).to.equal(true);
      expect(d.terminate()).to.equal(false);
      expect(() => d.createRequest('BYE')).to.throw().with.property('code', 'RVOIP_ERR_DIALOG_TERMINATED');
    });
  });

  describe('received requests (12.2.2)', () => {
    it('rejects a CSeq lower than the remote sequence number and accepts higher ones', () => {
      const invite = inviteAtUas({ cseq: 10 });
      const d = createUasDialog(invite, uasResponse(invite, 200));
      expect(d.checkRemoteCSeq(inDialogAtUas('INFO', 11))).to.equal('ok');
      expect(d.remoteSeq).to.equal(11);
      expect(d.checkRemoteCSeq(inDialogAtUas('INFO', 9))).to.equal('out-of-order');
      expect(d.remoteSeq).to.equal(11);
      expect(d.checkRemoteCSeq(inDialogAtUas('BYE', 20))).to.equal('ok');
    });

    it('an ACK trailing a newer request is not out of order', () => {
      const invite = inviteAtUas({ cseq: 10 });
      const d = createUasDialog(invite, uasResponse(invite, 200));
      d.checkRemoteCSeq(inDialogAtUas('INFO', 12));
      expect(d.checkRemoteCSeq(inDialogAtUas('ACK', 10))).to.equal('ok');
      expect(d.remoteSeq).to.equal(12);
    });

    it('an empty remote sequence number takes the first request number (UAC receiving)', () => {
      const d = createUacDialog(inviteAtUac(), responseAtUac(200, 'bobtag'));
      expect(d.remoteSeq).to.equal(undefined);
      expect(d.checkRemoteCSeq(inDialogAtUas('INFO', 5))).to.equal('ok');
      expect(d.remoteSeq).to.equal(5);
    });
  });

  describe('target refresh', () => {
    it('a re-INVITE or UPDATE from the peer replaces the remote target', () => {
      const invite = inviteAtUas();
      const d = createUasDialog(invite, uasResponse(invite, 200));
      expect(d.refreshTarget(inDialogAtUas('INVITE', 314160, { contact: '<sip:alice@203.0.113.50>' }))).to.equal(true);
      expect(d.remoteTarget).to.equal('sip:alice@203.0.113.50');
      expect(d.refreshTarget(inDialogAtUas('UPDATE', 314161, { contact: '<sip:alice@203.0.113.51;transport=tcp>' }))).to.equal(true);
      expect(d.remoteTarget).to.equal('sip:alice@203.0.113.51;transport=tcp');
      expect(reparse(d.createRequest('BYE')).rawUri).to.equal('sip:alice@203.0.113.51;transport=tcp');
    });

    it('a non-refresh request does not change the target even with a Contact', () => {
      const invite = inviteAtUas();
      const d = createUasDialog(invite, uasResponse(invite, 200));
      expect(d.refreshTarget(inDialogAtUas('INFO', 314160, { contact: '<sip:elsewhere@203.0.113.50>' }))).to.equal(false);
      expect(d.remoteTarget).to.equal('sip:alice@pc33.atlanta.example.com');
    });

    it('the 2xx to our re-INVITE / UPDATE refreshes the target; an error response does not', () => {
      const d = createUacDialog(inviteAtUac(), responseAtUac(200, 'bobtag'));
      expect(d.refreshTarget(responseAtUac(200, 'bobtag', { cseq: 314160, contact: '<sip:bob@192.0.2.99>' }))).to.equal(true);
      expect(d.remoteTarget).to.equal('sip:bob@192.0.2.99');
      expect(d.refreshTarget(responseAtUac(200, 'bobtag', { cseq: 314161, method: 'UPDATE', contact: '<sip:bob@192.0.2.100>' }))).to.equal(true);
      expect(d.remoteTarget).to.equal('sip:bob@192.0.2.100');
      expect(d.refreshTarget(responseAtUac(486, 'bobtag', { cseq: 314162, contact: '<sip:bob@192.0.2.1>' }))).to.equal(false);
      expect(d.refreshTarget(responseAtUac(200, 'bobtag', { cseq: 314163, method: 'INFO', contact: '<sip:bob@192.0.2.1>' }))).to.equal(false);
      expect(d.remoteTarget).to.equal('sip:bob@192.0.2.100');
    });
  });
});
