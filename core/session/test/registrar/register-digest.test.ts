/**
 * The registrar with digest, driven by rvoip's own SipStack UAC (`stack.register`,
 * `sendRequest`) and by raw messages for the cases a well-behaved client never sends.
 */
import { expect } from 'chai';
import { DigestClient, RegistrationError, SipStack, buildRequest, parseMessage } from '@rvoip/sip';
import type { SipRequest } from '@rvoip/sip';
import { DOMAIN, RawClient, registerText, startRig, torture } from './helpers.js';
import type { Rig } from './helpers.js';

const users = [
  { username: 'alice', password: 'wonderland' },
  { username: 'bob', password: 'builder' },
];

describe('session/registrar with digest authentication', () => {
  let rig: Rig;
  let client: SipStack | undefined;
  let raw: RawClient | undefined;
  afterEach(async () => {
    raw?.close();
    raw = undefined;
    await client?.close();
    client = undefined;
    await rig?.close();
  });

  async function uac(): Promise<SipStack> {
    client = await SipStack.create({ listen: ['udp://127.0.0.1:0'], domain: 'client.test', timers: { T1: 50, T2: 400, T4: 500 } });
    return client;
  }

  it('SipStack.register answers the challenge, the binding is stored, unregister removes it', async () => {
    rig = await startRig({ digest: true, users });
    const ua = await uac();
    const reg = await ua.register({
      registrar: `sip:127.0.0.1:${rig.port}`,
      aor: `sip:alice@${DOMAIN}`,
      credentials: users[0]!,
      expires: 600,
    });
    expect(reg.registered).to.equal(true);
    expect(reg.grantedExpires).to.equal(600);
    const [b] = await rig.registry.lookup(`sip:alice@${DOMAIN}`);
    expect(b!.contact).to.match(/^sip:alice@127\.0\.0\.1:\d+$/);
    expect(b!.callId).to.equal(reg.callId);
    expect(rig.outcomes.map((o) => o.status)).to.deep.equal([401, 200]);
    await reg.unregister();
    expect(await rig.registry.lookup(`sip:alice@${DOMAIN}`)).to.have.length(0);
  });

  it('challenges offer SHA-256 then MD5; regaut01 (unknown scheme) gets a fresh 401', async () => {
    rig = await startRig({ digest: true, users });
    raw = await RawClient.open(rig.port);
    const plain = await raw.register();
    expect(plain.status).to.equal(401);
    expect(plain.wwwAuthenticate.map((h) => h.param('algorithm'))).to.deep.equal(['SHA-256', 'MD5']);
    // RFC 3261 8.2.7: the challenge was sent statelessly; no transaction waits out Timer J.
    expect(rig.stack.transactions.sizes.servers).to.equal(0);
    const res = await raw.send(torture('regaut01'));
    expect(res.status).to.equal(401);
    expect(res.wwwAuthenticate).to.have.length(2);
    expect(await rig.registry.list()).to.have.length(0);
  });

  it('a wrong password is 403, and so is a good password for someone else\'s AOR', async () => {
    rig = await startRig({ digest: true, users });
    const ua = await uac();
    const wrong = await ua.register({ registrar: `sip:127.0.0.1:${rig.port}`, aor: `sip:alice@${DOMAIN}`, credentials: { username: 'alice', password: 'nope' } })
      .then(() => 0, (e: unknown) => (e instanceof RegistrationError ? e.status : -1));
    expect(wrong).to.equal(403);
    const other = await ua.register({ registrar: `sip:127.0.0.1:${rig.port}`, aor: `sip:alice@${DOMAIN}`, credentials: users[1]! })
      .then(() => 0, (e: unknown) => (e instanceof RegistrationError ? e.status : -1));
    expect(other).to.equal(403);
    expect(rig.outcomes.at(-1)!.status).to.equal(403);
    expect(await rig.registry.list()).to.have.length(0);
  });

  it('an expired nonce with the right password gets 401 stale=true, and the retry succeeds', async () => {
    // Long enough that the fresh nonce survives the retry on a loaded machine; the first one
    // is made to expire by waiting past it.
    rig = await startRig({ digest: true, users, nonceTtlMs: 1000 });
    raw = await RawClient.open(rig.port);
    const first = registerText({ user: 'bob', callId: 'stale-1', cseq: 1 });
    const challenge = await raw.send(first);
    expect(challenge.status).to.equal(401);
    const digest = new DigestClient(users[1]!);
    const req = parseMessage(Buffer.from(first.replace('Via: SIP/2.0/UDP placeholder', 'Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx'))) as SipRequest;
    const [line] = digest.authorize(req, challenge);
    await new Promise((r) => setTimeout(r, 1100));
    const second = registerText({ user: 'bob', callId: 'stale-1', cseq: 2, headers: [`${line!.name}: ${line!.value}`] });
    const stale = await raw.send(second);
    expect(stale.status).to.equal(401);
    expect(stale.wwwAuthenticate[0]!.param('stale')?.toLowerCase()).to.equal('true');
    // A client honouring stale=true retries at once with the new nonce.
    const [fresh] = new DigestClient(users[1]!).authorize(req, stale);
    const third = registerText({ user: 'bob', callId: 'stale-1', cseq: 3, headers: [`${fresh!.name}: ${fresh!.value}`] });
    expect((await raw.send(third)).status).to.equal(200);
  });

  it('many users register concurrently through one UAC stack, each with its own credentials', async () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ username: `u${i}`, password: `pw${i}` }));
    rig = await startRig({ digest: true, users: many });
    const ua = await uac();
    await Promise.all(many.map(async (u) => {
      const req = buildRequest({
        method: 'REGISTER',
        uri: `sip:127.0.0.1:${rig.port}`,
        to: `<sip:${u.username}@${DOMAIN}>`,
        from: `<sip:${u.username}@${DOMAIN}>`,
        contact: `<sip:${u.username}@127.0.0.1:5099>`,
        headers: [['Expires', 300]],
      });
      const res = await ua.sendRequest(req, { credentials: u, target: { protocol: 'udp', host: '127.0.0.1', port: rig.port } });
      expect(res.status).to.equal(200);
    }));
    const all = await rig.registry.list();
    expect(new Set(all.map((b) => b.aor)).size).to.equal(60);
  });
});
