import { expect } from 'chai';
import { SipStack, SipRequestError, buildRequest, SIP_UA_CANCELLED } from '@rvoip/sip';
import type { IncomingInvite, SipDialog } from '@rvoip/sip';

/** Two stacks on loopback talking over real sockets, with short timers. */
async function pair(protocol: 'udp' | 'tcp' = 'udp'): Promise<[SipStack, SipStack]> {
  const timers = { T1: 50, T2: 400, T4: 500 };
  const a = await SipStack.create({ listen: [`${protocol}://127.0.0.1:0`], domain: 'a.test', timers });
  const b = await SipStack.create({ listen: [`${protocol}://127.0.0.1:0`], domain: 'b.test', timers });
  return [a, b];
}

function uriOf(stack: SipStack, user: string): string {
  const lp = stack.listeningPoints()[0]!;
  const transport = lp.protocol === 'udp' ? '' : `;transport=${lp.protocol}`;
  return `sip:${user}@${lp.host}:${lp.port}${transport}`;
}

describe('sip/ua SipStack', () => {
  let a: SipStack;
  let b: SipStack;
  afterEach(async () => {
    await a?.close();
    await b?.close();
  });

  for (const protocol of ['udp', 'tcp'] as const) {
    it(`sets up a call, exchanges bodies and ends it with BYE over ${protocol}`, async () => {
      [a, b] = await pair(protocol);
      const ended: string[] = [];
      const calleeDialog = new Promise<SipDialog>((resolve) => {
        b.onInvite(async (invite: IncomingInvite) => {
          expect(invite.request.body.toString()).to.equal('offer');
          await invite.progress(180);
          const d = await invite.accept({ body: 'answer' });
          d.onTerminated((r) => ended.push(`b:${r}`));
          resolve(d);
        });
      });
      const provisional: number[] = [];
      const call = a.invite({ to: uriOf(b, 'bob'), body: 'offer' });
      call.onProvisional((res) => provisional.push(res.status));
      const dialog = await call.answered;
      dialog.onTerminated((r) => ended.push(`a:${r}`));
      expect(dialog.remoteDescription.toString()).to.equal('answer');
      expect(provisional).to.include(180);
      const bd = await calleeDialog;
      expect(bd.callId).to.equal(dialog.callId);
      expect(a.stats().dialogs).to.equal(1);
      expect(b.stats().dialogs).to.equal(1);
      await bd.bye();
      await new Promise((r) => setTimeout(r, 50));
      expect(ended.sort()).to.deep.equal(['a:remote-bye', 'b:local-bye']);
      expect(a.stats().dialogs).to.equal(0);
      expect(b.stats().dialogs).to.equal(0);
    });
  }

  it('carries a re-INVITE inside the dialog with its ACK', async () => {
    [a, b] = await pair();
    let acked = 0;
    b.onInvite(async (invite) => {
      const d = await invite.accept({ body: 'v1' });
      d.onRequest((req) => {
        expect(req.request.method).to.equal('INVITE');
        void req.respond(200, { body: 'v2' });
        acked++;
      });
    });
    const dialog = await a.invite({ to: uriOf(b, 'bob'), body: 'o1' }).answered;
    const res = await dialog.request('INVITE', { body: 'o2' });
    expect(res.status).to.equal(200);
    expect(dialog.remoteDescription.toString()).to.equal('v2');
    expect(acked).to.equal(1);
    await dialog.bye();
  });

  it('rejects with a typed error carrying the status', async () => {
    [a, b] = await pair();
    b.onInvite((invite) => invite.reject(486));
    const err = await a.invite({ to: uriOf(b, 'bob'), body: 'x' }).answered.catch((e: unknown) => e);
    expect(err).to.be.instanceOf(SipRequestError);
    expect((err as SipRequestError).status).to.equal(486);
    expect((err as SipRequestError).message).to.contain('486');
  });

  it('cancels a ringing call: the callee sees the CANCEL, the caller gets 487', async () => {
    [a, b] = await pair();
    const sawCancel = new Promise<boolean>((resolve) => {
      b.onInvite(async (invite) => {
        invite.onCancel(() => resolve(invite.cancelled));
        await invite.progress(180);
      });
    });
    const call = a.invite({ to: uriOf(b, 'bob'), body: 'x' });
    await new Promise<void>((resolve) => call.onProvisional((res) => res.status === 180 && resolve()));
    await call.cancel();
    const err = await call.answered.catch((e: unknown) => e);
    expect(await sawCancel).to.equal(true);
    expect((err as SipRequestError).code).to.equal(SIP_UA_CANCELLED);
    expect((err as SipRequestError).status).to.equal(487);
  });

  it('answers OPTIONS with Allow, 405 for unhandled methods and 481 for unknown dialogs', async () => {
    [a, b] = await pair();
    const from = `<sip:alice@a.test>`;
    const options = await a.sendRequest(buildRequest({ method: 'OPTIONS', uri: uriOf(b, 'bob'), from }));
    expect(options.status).to.equal(200);
    expect(options.headers.get('allow')).to.contain('OPTIONS');
    const message = await a.sendRequest(buildRequest({ method: 'MESSAGE', uri: uriOf(b, 'bob'), from, body: 'hi', contentType: 'text/plain' }));
    expect(message.status).to.equal(405);
    const bye = buildRequest({ method: 'BYE', uri: uriOf(b, 'bob'), from, to: `<${uriOf(b, 'bob')}>;tag=nope` });
    bye.setHeader('To', `<${uriOf(b, 'bob')}>;tag=nope`);
    expect((await a.sendRequest(bye)).status).to.equal(481);
  });

  it('rejects unknown Require option tags with 420 and Unsupported', async () => {
    [a, b] = await pair();
    b.onInvite((invite) => invite.reject(500));
    const req = buildRequest({ method: 'OPTIONS', uri: uriOf(b, 'bob'), from: '<sip:a@a.test>', headers: [['Require', 'nothing, 100rel-x']] });
    const res = await a.sendRequest(req);
    expect(res.status).to.equal(420);
    expect(res.headers.get('unsupported')).to.equal('nothing, 100rel-x');
  });

  it('times out against a silent peer with a 408-typed error', async () => {
    [a, b] = await pair();
    const silent = await import('node:dgram').then((d) => d.createSocket('udp4'));
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    const port = silent.address().port;
    try {
      const err = await a
        .sendRequest(buildRequest({ method: 'OPTIONS', uri: `sip:x@127.0.0.1:${port}`, from: '<sip:a@a.test>' }))
        .catch((e: unknown) => e);
      expect((err as SipRequestError).status).to.equal(408);
    } finally {
      silent.close();
    }
  });
});
