import { expect } from 'chai';
import { DigestServer, SipStack } from '@rvoip/sip';
import { RegistrationFailedError, SimplePeer } from '../../src/index.js';

/** A registrar just big enough for the test: digest challenge, then 200 echoing the Contact. */
async function testRegistrar(users: Record<string, string>): Promise<{ stack: SipStack; uri: string; seen: Array<{ user: string; contact: string }> }> {
  const stack = await SipStack.create({ listen: ['udp://127.0.0.1:0'], domain: '127.0.0.1' });
  const digest = new DigestServer({ realm: 'rvoip.test', secret: 'k', lookup: async (u) => users[u] });
  const seen: Array<{ user: string; contact: string }> = [];
  stack.onRequest('REGISTER', async (req) => {
    const verdict = await digest.verify(req.request);
    if (verdict.kind === 'challenge') {
      await req.respond(verdict.status, { reason: verdict.reason, headers: verdict.headers.map((h) => [h.name, h.value]) });
      return;
    }
    if (verdict.kind !== 'ok') {
      await req.respond(verdict.status, { reason: verdict.reason });
      return;
    }
    const contact = req.request.headers.get('contact') ?? '';
    seen.push({ user: verdict.username, contact });
    await req.respond(200, { headers: [['Contact', `${contact};expires=${req.request.expires ?? 3600}`]] });
  });
  return { stack, uri: `sip:127.0.0.1:${stack.listeningPoints()[0]!.port}`, seen };
}

describe('SimplePeer.register', function () {
  this.timeout(15000);

  it('registers with digest credentials, and reports a wrong password as RegistrationFailedError 403', async () => {
    const registrar = await testRegistrar({ alice: 'wonderland' });
    const alice = await SimplePeer.create({ name: 'alice', port: 0 });
    try {
      await alice.register({ registrar: registrar.uri, username: 'alice', password: 'wonderland', expires: 120 });
      expect(registrar.seen).to.have.length(1);
      expect(registrar.seen[0]!.user).to.equal('alice');
      expect(registrar.seen[0]!.contact).to.contain(`127.0.0.1:${alice.port}`);
      const err = await alice.register({ registrar: registrar.uri, username: 'alice', password: 'nope' }).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(RegistrationFailedError);
      expect((err as RegistrationFailedError).status).to.equal(403);
      expect((err as Error).message).to.match(/^Registration with sip:127\.0\.0\.1:\d+ failed with 403: /);
    } finally {
      await alice.close();
      await registrar.stack.close();
    }
  });
});
