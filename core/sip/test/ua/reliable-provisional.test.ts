import { expect } from 'chai';
import { SipStack, SipRequestError } from '@rvoip/sip';
import type { SipDialog, SipResponse } from '@rvoip/sip';

const timers = { T1: 50, T2: 400, T4: 500 };

async function stacks(): Promise<[SipStack, SipStack, string]> {
  const a = await SipStack.create({ listen: ['udp://127.0.0.1:0'], timers });
  const b = await SipStack.create({ listen: ['udp://127.0.0.1:0'], timers });
  const lp = b.listeningPoints()[0]!;
  return [a, b, `sip:bob@${lp.host}:${lp.port}`];
}

describe('sip/ua reliable provisional responses (RFC 3262) as UAS', function () {
  this.timeout(20_000);
  let a: SipStack;
  let b: SipStack;
  afterEach(async () => {
    await a?.close();
    await b?.close();
  });

  it('sends 183 with RSeq and Require: 100rel, resolves on the PRACK, then confirms the same dialog', async () => {
    let target: string;
    [a, b, target] = await stacks();
    const order: string[] = [];
    const calleeDialog = new Promise<SipDialog>((resolve) => {
      b.onInvite(async (invite) => {
        await invite.progress(183, { body: 'early', reliable: true });
        order.push('prack-received');
        resolve(await invite.accept({ body: 'final' }));
      });
    });
    const call = a.invite({ to: target, body: 'offer', headers: [['Supported', '100rel']] });
    const reliable = new Promise<{ res: SipResponse; early: SipDialog }>((resolve) => {
      call.onProvisional((res, early) => {
        if (res.status === 183 && early !== undefined) resolve({ res, early });
      });
    });
    const { res, early } = await reliable;
    expect(res.headers.get('require')).to.contain('100rel');
    const rseq = res.rseq!;
    expect(rseq).to.be.a('number');
    expect(early.remoteDescription.toString()).to.equal('early');
    const prack = await early.request('PRACK', { headers: [['RAck', `${rseq} ${call.request.cseq.seq} INVITE`]] });
    order.push(`prack-${prack.status}`);
    const dialog = await call.answered;
    const callee = await calleeDialog;
    expect(prack.status).to.equal(200);
    expect(order).to.have.members(['prack-200', 'prack-received']);
    expect(dialog.id).to.equal(early.id);
    expect(callee.localTag).to.equal(dialog.remoteTag);
    expect(dialog.remoteDescription.toString()).to.equal('final');
    await dialog.bye();
  });

  it('answers a PRACK with the wrong RSeq with 481 and keeps retransmitting the 183', async () => {
    let target: string;
    [a, b, target] = await stacks();
    b.onInvite(async (invite) => {
      await invite.progress(183, { body: 'early', reliable: true }).catch(() => undefined);
    });
    const call = a.invite({ to: target, body: 'offer', headers: [['Supported', '100rel']] });
    const seen: number[] = [];
    const early = await new Promise<SipDialog>((resolve) => {
      call.onProvisional((res, d) => {
        if (res.status === 183 && d !== undefined) {
          seen.push(res.rseq!);
          resolve(d);
        }
      });
    });
    const wrong = await early.request('PRACK', { headers: [['RAck', `${seen[0]! + 1000} ${call.request.cseq.seq} INVITE`]] });
    expect(wrong.status).to.equal(481);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.length, 'the unacknowledged 183 must be retransmitted').to.be.greaterThan(1);
    expect(new Set(seen).size).to.equal(1);
    await call.cancel();
    await call.answered.catch(() => undefined);
  });

  it('rejects the INVITE with a 5xx when no PRACK arrives within 64*T1', async () => {
    let target: string;
    [a, b, target] = await stacks();
    let progressError: unknown;
    b.onInvite(async (invite) => {
      progressError = await invite.progress(183, { reliable: true }).catch((e: unknown) => e);
    });
    const err = await a.invite({ to: target, body: 'offer', headers: [['Supported', '100rel']] }).answered.catch((e: unknown) => e);
    expect(err).to.be.instanceOf(SipRequestError);
    expect((err as SipRequestError).status).to.equal(504);
    expect(progressError).to.be.instanceOf(Error);
  });

  it('sends an ordinary 183 when the caller does not support 100rel', async () => {
    let target: string;
    [a, b, target] = await stacks();
    b.onInvite(async (invite) => {
      await invite.progress(183, { reliable: true });
      await invite.accept();
    });
    const call = a.invite({ to: target, body: 'offer' });
    const res = await new Promise<SipResponse>((resolve) => call.onProvisional((r) => r.status === 183 && resolve(r)));
    expect(res.headers.get('rseq')).to.equal(undefined);
    const dialog = await call.answered;
    await dialog.bye();
  });
});
