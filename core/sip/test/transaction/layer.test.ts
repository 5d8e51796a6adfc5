import { expect } from 'chai';
import { SipHeaders } from '../../src/message/headers.js';
import { SipRequest } from '../../src/message/message.js';
import type { InviteClientTransaction, InviteServerTransaction, IncomingRequestContext, ServerTransaction } from '../../src/transaction/index.js';
import {
  createCancel,
  createResponse,
  generateBranch,
  isRfc3261Branch,
  TransactionLayer,
} from '../../src/transaction/index.js';
import { copyOf, makeRequest, RecordingTransport, respondTo, sourceOf, statusOf, VirtualClock } from './helpers.js';

describe('TransactionLayer matching and TU interface', () => {
  let clock: VirtualClock;
  let transport: RecordingTransport;
  let layer: TransactionLayer;
  let delivered: Array<{ tx: ServerTransaction; req: SipRequest; context: IncomingRequestContext }>;

  function setup(opts: { rejectMergedRequests?: boolean } = {}): void {
    clock = new VirtualClock();
    transport = new RecordingTransport(clock, 'udp');
    layer = new TransactionLayer({ transport, scheduler: clock, ...opts });
    delivered = [];
    layer.onRequest((tx, req, _source, context) => delivered.push({ tx, req, context }));
  }

  describe('branches and requests', () => {
    it('generates unique RFC 3261 branches', () => {
      const branches = new Set(Array.from({ length: 1000 }, () => generateBranch()));
      expect(branches.size).to.equal(1000);
      for (const b of branches) expect(b).to.match(/^z9hG4bK[A-Za-z0-9_-]{16}$/);
      expect(isRfc3261Branch('z9hG4bK')).to.equal(false);
      expect(isRfc3261Branch('1234')).to.equal(false);
    });

    it('adds a Via with a fresh branch when the TU sent none, keeps an existing branch', () => {
      setup();
      const bare = makeRequest('OPTIONS');
      bare.removeHeader('Via');
      const tx = layer.sendRequest(bare);
      expect(isRfc3261Branch(tx.branch)).to.equal(true);
      expect(bare.topVia!.branch).to.equal(tx.branch);

      const noBranch = makeRequest('MESSAGE');
      noBranch.setHeader('Via', 'SIP/2.0/UDP 192.0.2.9:5062;rport, SIP/2.0/UDP 198.51.100.1;branch=z9hG4bKdown');
      const tx2 = layer.sendRequest(noBranch);
      expect(noBranch.vias.map((v) => v.branch)).to.deep.equal([tx2.branch, 'z9hG4bKdown']);
      expect(noBranch.topVia!.rport).to.equal(null);

      const given = makeRequest('INFO', { branch: 'z9hG4bKgiven' });
      expect(layer.sendRequest(given).branch).to.equal('z9hG4bKgiven');
      expect(() => layer.sendRequest(copyOf(given))).to.throw(/already exists/);
      expect(() => layer.sendRequest(makeRequest('ACK'))).to.throw(/sendAck/);
    });

    it('resolves timers: defaults per RFC 3261, D following a shortened T1, bad values refused', () => {
      const transport = new RecordingTransport(new VirtualClock());
      expect(new TransactionLayer({ transport }).timers).to.deep.equal({ T1: 500, T2: 4000, T4: 5000, D: 32_000, trying: 200 });
      expect(new TransactionLayer({ transport, timers: { T1: 10 } }).timers).to.include({ T1: 10, D: 640 });
      expect(() => new TransactionLayer({ transport, timers: { T2: -1 } })).to.throw(/timer T2 must be a non-negative/);
    });

    it('createResponse copies Via, From, To, Call-ID, CSeq and adds a To tag except on 100 (8.2.6)', () => {
      const req = makeRequest('INVITE');
      req.appendHeader('Via', 'SIP/2.0/TCP 198.51.100.7;branch=z9hG4bKproxy');
      req.setHeader('Timestamp', '54');
      const trying = createResponse(req, 100);
      expect(trying.reason).to.equal('Trying');
      expect(trying.headers.get('to')).to.equal('<sip:bob@example.com>');
      expect(trying.headers.get('timestamp')).to.equal('54');
      const busy = createResponse(req, 486, undefined, { toTag: 'abc' });
      expect(busy.reason).to.equal('Busy Here');
      expect(busy.headers.getAll('via')).to.deep.equal(req.headers.getAll('via'));
      expect(busy.headers.get('from')).to.equal(req.headers.get('from'));
      expect(busy.headers.get('to')).to.equal('<sip:bob@example.com>;tag=abc');
      expect(busy.callId).to.equal(req.callId);
      expect(busy.headers.get('cseq')).to.equal('1 INVITE');
      expect(busy.headers.has('timestamp')).to.equal(false);
      expect(createResponse(req, 200).headers.get('to')).to.match(/;tag=[0-9a-f]{16}$/);
      const inDialog = makeRequest('BYE', { toTag: 'existing' });
      expect(createResponse(inDialog, 200, 'Bye').headers.get('to')).to.equal('<sip:bob@example.com>;tag=existing');
    });

    it('createCancel copies Request-URI, top Via, Route, From, To, Call-ID and the CSeq number (9.1)', () => {
      const invite = makeRequest('INVITE', { cseq: 7, routes: ['<sip:edge.example.com;lr>'] });
      const cancel = createCancel(invite);
      expect(cancel.method).to.equal('CANCEL');
      expect(cancel.rawUri).to.equal(invite.rawUri);
      expect(cancel.headers.getAll('via')).to.deep.equal(invite.headers.getAll('via'));
      expect(cancel.headers.getAll('route')).to.deep.equal(['<sip:edge.example.com;lr>']);
      for (const h of ['from', 'to', 'call-id']) expect(cancel.headers.get(h)).to.equal(invite.headers.get(h));
      expect(cancel.headers.get('cseq')).to.equal('7 CANCEL');
      expect(() => createCancel(makeRequest('BYE'))).to.throw(/only cancel an INVITE/);
    });
  });

  describe('client side (17.1.3)', () => {
    it('routes responses by branch and CSeq method: INVITE and its CANCEL share a branch', async () => {
      setup();
      const invite = layer.sendRequest(makeRequest('INVITE')) as InviteClientTransaction;
      const cancelPromise = layer.cancel(invite);
      await clock.advance(0);
      expect(transport.requests('CANCEL')).to.have.length(0); // 9.1: wait for a provisional
      transport.inject(respondTo(invite.request, 180));
      const cancel = await cancelPromise;
      expect(cancel.branch).to.equal(invite.branch);
      expect(transport.requests('CANCEL')[0]!.target).to.deep.equal(invite.target);
      transport.inject(respondTo(cancel.request, 200));
      expect(cancel.state).to.equal('Completed');
      expect(invite.state).to.equal('Proceeding');
      transport.inject(respondTo(invite.request, 487));
      expect(invite.state).to.equal('Completed');
      expect(layer.stats().active).to.deep.equal({ 'invite-client': 1, 'non-invite-client': 1, 'invite-server': 0, 'non-invite-server': 0 });
      await clock.advance(32_000);
      expect(layer.sizes).to.deep.equal({ clients: 0, servers: 0, merged: 0, completedFinals: 0 });
    });

    it('refuses to cancel an INVITE that is no longer pending', async () => {
      setup();
      const invite = layer.sendRequest(makeRequest('INVITE')) as InviteClientTransaction;
      transport.inject(respondTo(invite.request, 404));
      let error: Error | undefined;
      await layer.cancel(invite).catch((e: Error) => (error = e));
      expect(error!.message).to.match(/only a pending INVITE/);
    });

    it('gives up a CANCEL waiting for a provisional when the INVITE gets a final first', async () => {
      setup();
      const invite = layer.sendRequest(makeRequest('INVITE')) as InviteClientTransaction;
      const pending = layer.cancel(invite);
      transport.inject(respondTo(invite.request, 480));
      let error: Error | undefined;
      await pending.catch((e: Error) => (error = e));
      expect(error!.message).to.match(/ended before a provisional/);
      expect(transport.requests('CANCEL')).to.have.length(0);
    });

    it('keeps a transaction consistent when a TU listener throws', () => {
      setup();
      const seen: number[] = [];
      const tx = layer.sendRequest(makeRequest('OPTIONS'), undefined, {
        final: () => {
          throw new Error('TU bug');
        },
      });
      tx.on('final', (r) => seen.push(r.status));
      transport.inject(respondTo(tx.request, 200));
      expect(tx.state).to.equal('Completed');
      expect(seen).to.deep.equal([200]);
    });

    it('treats a transport that throws synchronously like one that rejects', async () => {
      clock = new VirtualClock();
      const throwing = new RecordingTransport(clock, 'udp');
      throwing.sendRequest = () => {
        throw new Error('socket closed');
      };
      layer = new TransactionLayer({ transport: throwing, scheduler: clock });
      const errors: string[] = [];
      const tx = layer.sendRequest(makeRequest('OPTIONS'), undefined, { transportError: (e) => errors.push(e.message) });
      await clock.advance(0);
      expect(errors).to.have.length(1);
      expect(errors[0]).to.match(/OPTIONS transaction z9hG4bK.*: transport failure: socket closed/);
      expect(tx.state).to.equal('Terminated');
      expect(layer.sizes.clients).to.equal(0);
    });

    it('passes responses that match nothing to the TU as stray', () => {
      setup();
      const strays: number[] = [];
      layer.onStrayResponse((res) => strays.push(res.status));
      transport.inject(respondTo(makeRequest('INVITE'), 200));
      expect(strays).to.deep.equal([200]);
    });
  });

  describe('server side (17.2.3)', () => {
    it('tells apart requests whose branch is equal but sent-by or method differ', () => {
      setup();
      const a = makeRequest('OPTIONS', { branch: 'z9hG4bKsame', sentBy: '192.0.2.9:5062' });
      const b = makeRequest('OPTIONS', { branch: 'z9hG4bKsame', sentBy: '192.0.2.10:5062' });
      const c = makeRequest('INFO', { branch: 'z9hG4bKsame', sentBy: '192.0.2.9:5062' });
      const aDefaultPort = makeRequest('OPTIONS', { branch: 'z9hG4bKport', sentBy: 'Host.example.com' });
      const aExplicitPort = makeRequest('OPTIONS', { branch: 'z9hG4bKport', sentBy: 'host.example.com:5060' });
      for (const r of [a, b, c, copyOf(a), aDefaultPort, aExplicitPort]) transport.inject(r);
      expect(delivered.map((d) => d.req.method)).to.deep.equal(['OPTIONS', 'OPTIONS', 'INFO', 'OPTIONS']);
    });

    it('hands a CANCEL to the TU with the INVITE transaction it cancels (9.2)', () => {
      setup();
      const invite = makeRequest('INVITE');
      transport.inject(invite);
      const inviteTx = delivered[0]!.tx as InviteServerTransaction;
      const cancelled: string[] = [];
      inviteTx.on('cancel', (req) => cancelled.push(req.method));
      transport.inject(createCancel(invite));
      expect(delivered).to.have.length(2);
      expect(delivered[1]!.tx.kind).to.equal('non-invite-server');
      expect(delivered[1]!.context.cancelTarget).to.equal(inviteTx);
      expect(inviteTx.isCancelled).to.equal(true);
      expect(cancelled).to.deep.equal(['CANCEL']);
      // A CANCEL for an unknown INVITE still reaches the TU, which answers 481.
      transport.inject(createCancel(makeRequest('INVITE')));
      expect(delivered[2]!.context.cancelTarget).to.equal(undefined);
    });

    it('leaves an INVITE that already has its final response alone when a CANCEL arrives (9.2)', () => {
      setup();
      const invite = makeRequest('INVITE');
      transport.inject(invite);
      const inviteTx = delivered[0]!.tx as InviteServerTransaction;
      inviteTx.respond(inviteTx.createResponse(200));
      transport.inject(createCancel(invite));
      expect(delivered[1]!.context.cancelTarget).to.equal(inviteTx);
      expect(inviteTx.isCancelled).to.equal(false);
    });

    it('delivers an ACK for a 2xx (new branch) to the TU as such, unmatched', () => {
      setup();
      const acks: Array<string | undefined> = [];
      layer.onAck((ack, _s, tx) => acks.push(tx?.kind));
      const invite = makeRequest('INVITE');
      transport.inject(invite);
      const tx = delivered[0]!.tx;
      tx.respond(tx.createResponse(200));
      const ack = makeRequest('ACK', { callId: invite.callId, toTag: tx.toTag });
      transport.inject(ack);
      expect(acks).to.deep.equal([undefined]);
      expect(tx.state).to.equal('Accepted');
      expect(delivered).to.have.length(1);
    });

    it('falls back to RFC 2543 matching without the magic cookie (17.2.3)', async () => {
      setup();
      const invite = makeRequest('INVITE', { branch: 'old1234' });
      transport.inject(invite);
      transport.inject(copyOf(invite));
      expect(delivered).to.have.length(1);
      const tx = delivered[0]!.tx as InviteServerTransaction;
      tx.respond(tx.createResponse(486));

      const ack = new SipRequest('ACK', invite.rawUri, invite.headers.clone());
      ack.setHeader('CSeq', '1 ACK').setHeader('To', `<sip:bob@example.com>;tag=wrong`);
      transport.inject(ack);
      expect(tx.state).to.equal('Completed'); // To tag differs from our response's
      ack.setHeader('To', `<sip:bob@example.com>;tag=${tx.toTag}`);
      transport.inject(ack);
      expect(tx.state).to.equal('Confirmed');

      const invite2 = makeRequest('INVITE');
      invite2.setHeader('Via', 'SIP/2.0/UDP 192.0.2.9:5062');
      transport.inject(invite2);
      const cancel = createCancel(invite2);
      transport.inject(cancel);
      expect(delivered[2]!.context.cancelTarget).to.equal(delivered[1]!.tx);
      const differentUri = copyOf(invite2);
      differentUri.rawUri = 'sip:carol@example.com';
      transport.inject(differentUri);
      expect(delivered).to.have.length(4);
      for (const d of delivered.slice(1)) d.tx.respond(d.tx.createResponse(d.req.method === 'CANCEL' ? 200 : 487));
      await clock.advance(40_000);
      expect(layer.sizes.servers).to.equal(0);
    });

    it('detects merged requests (8.2.2.2) and optionally answers 482', () => {
      setup({ rejectMergedRequests: true });
      const first = makeRequest('INVITE', { fromTag: 'ft', callId: 'merge@x', branch: 'z9hG4bKpath1' });
      const second = makeRequest('INVITE', { fromTag: 'ft', callId: 'merge@x', branch: 'z9hG4bKpath2', sentBy: '198.51.100.2' });
      transport.inject(first);
      expect(layer.isMergedRequest(second)).to.equal(true);
      expect(layer.isMergedRequest(copyOf(first))).to.equal(false);
      transport.inject(second, sourceOf());
      expect(delivered).to.have.length(1);
      expect(transport.responses().map(statusOf)).to.deep.equal([482]);
      expect(layer.stats().mergedRequests).to.equal(1);

      setup();
      transport.inject(first);
      transport.inject(second);
      expect(delivered).to.have.length(2);
      expect(delivered[1]!.context.mergedWith).to.equal(delivered[0]!.tx);
      // What the UAS core reads to answer 482 (8.2.2.2), live original or already answered.
      expect(delivered[1]!.context.merged).to.equal(true);
      expect(delivered[0]!.context.merged).to.equal(undefined);
    });

    it('keeps delivering after a TU handler throws, answers 500 for it, and drops messages it cannot read', () => {
      setup();
      layer.onRequest(() => {
        throw new Error('TU bug');
      });
      transport.inject(makeRequest('OPTIONS'));
      const noVia = new SipRequest('OPTIONS', 'sip:x@example.com', new SipHeaders());
      transport.inject(noVia);
      transport.inject(makeRequest('OPTIONS'));
      expect(delivered).to.have.length(2);
      expect(transport.responses().map(statusOf)).to.deep.equal([500, 500]);
    });

    it('answers 503 when no TU listens, so no server transaction is left waiting', async () => {
      clock = new VirtualClock();
      transport = new RecordingTransport(clock, 'udp');
      layer = new TransactionLayer({ transport, scheduler: clock });
      transport.inject(makeRequest('INVITE'));
      transport.inject(makeRequest('MESSAGE'));
      expect(transport.responses().map(statusOf)).to.deep.equal([503, 503]);
      await clock.advance(64_000);
      expect(layer.sizes).to.deep.equal({ clients: 0, servers: 0, merged: 0, completedFinals: 0 });
    });
  });

  it('returns every map to empty once all transactions end, and close() ends the rest', async () => {
    setup();
    for (let i = 0; i < 20; i++) {
      layer.sendRequest(makeRequest(i % 2 ? 'INVITE' : 'OPTIONS'));
      transport.inject(makeRequest(i % 2 ? 'INVITE' : 'MESSAGE'));
    }
    for (const { tx } of delivered) tx.respond(tx.createResponse(i2(tx.kind)));
    // The 10 MESSAGE transactions ended with their finals; only the bytes stay for Timer J.
    expect(layer.sizes).to.deep.equal({ clients: 20, servers: 10, merged: 10, completedFinals: 10 });
    await clock.advance(64_000);
    expect(layer.sizes).to.deep.equal({ clients: 0, servers: 0, merged: 0, completedFinals: 0 });
    expect(layer.stats().active).to.deep.equal({ 'invite-client': 0, 'non-invite-client': 0, 'invite-server': 0, 'non-invite-server': 0 });

    layer.sendRequest(makeRequest('INVITE'));
    transport.inject(makeRequest('INVITE'));
    layer.close();
    expect(layer.sizes).to.deep.equal({ clients: 0, servers: 0, merged: 0, completedFinals: 0 });
    expect(clock.pending).to.equal(0);
    transport.inject(makeRequest('OPTIONS'));
    expect(delivered).to.have.length(21);
  });
});

function i2(kind: string): number {
  return kind === 'invite-server' ? 603 : 200;
}
