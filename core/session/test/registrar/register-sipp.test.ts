/**
 * SIPp 3.6 against the registrar with digest at load: every call is REGISTER -> 401 ->
 * REGISTER with MD5 credentials -> 200. SIPp answers only the first challenge and knows
 * only MD5, so this registrar offers MD5 alone; one SIPp process stays well under
 * 1,000 calls/s so the run measures the registrar, not SIPp.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { DOMAIN, startRig } from './helpers.js';
import type { Rig } from './helpers.js';
import { received200s, requireSipp, runSipp } from './sipp.js';

describe('session/registrar under SIPp REGISTER load with digest', function () {
  this.timeout(180_000);
  let rig: Rig;
  let dir: string;
  before(requireSipp);
  afterEach(async () => {
    await rig?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('3,000 authenticated REGISTERs at 300/s: 0 failed calls, one binding refreshed by each new Call-ID', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rvoip-sipp-reg-'));
    rig = await startRig({ digest: true, algorithms: ['MD5'], users: [{ username: 'sippuser', password: 'sipp-secret' }] });
    const run = await runSipp(dir, rig.port, 'register-digest.xml', [
      '-key', 'user', 'sippuser', '-au', 'sippuser', '-ap', 'sipp-secret', '-r', '300', '-l', '300', '-m', '3000',
    ]);
    expect(run.failed, 'SIPp failed calls').to.equal(0);
    expect(run.successful).to.equal(3000);
    expect(run.code).to.equal(0);
    // Retransmitted REGISTERs get the transaction's stored 200 again: count distinct calls.
    const oks = new Set(received200s(run.messageFile).map((o) => o.callId));
    expect(oks.size).to.equal(3000);
    const bindings = await rig.registry.lookup(`sip:sippuser@${DOMAIN}`);
    expect(bindings).to.have.length(1);
    expect(oks.has(bindings[0]!.callId)).to.equal(true);
    // Challenges are stateless (RFC 3261 8.2.7): a first REGISTER that SIPp retransmitted
    // before its 401 arrived (a loaded machine) earns a second one. Every call is challenged.
    const challenged = rig.outcomes.filter((o) => o.status === 401);
    expect(new Set(challenged.map((o) => o.callId)).size).to.equal(3000);
    expect(challenged.length).to.be.at.least(3000);
    expect(rig.outcomes.filter((o) => o.status === 200).length).to.equal(3000);
  });
});
