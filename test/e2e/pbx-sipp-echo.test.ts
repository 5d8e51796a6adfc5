/**
 * SIPp places INVITE/ACK/BYE calls with RTP to sip:echo@<domain> on `rvoip start`: every
 * call succeeds and each is answered and logged by the PBX's echo route.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort, runRvoip } from './helpers.js';
import { requireBinary } from './pbx-phone.js';
import { runEchoLoad } from './pbx-sipp.js';

const CALLS = 200;

describe('rvoip start as a PBX: SIPp calls to the echo service', function () {
  this.timeout(180_000);

  it(`${CALLS} INVITE/ACK/RTP/BYE calls to sip:echo with 0 failed`, async () => {
    requireBinary('sipp', 'sip-tester');
    requireBinary('sox', 'sox');
    const dir = mkdtempSync(join(tmpdir(), 'rvoip-pbx-sipp-'));
    const pbxPort = await freeUdpPort();
    const config = join(dir, 'rvoip.config.json');
    writeFileSync(config, JSON.stringify({
      sip: { listen: [`udp://127.0.0.1:${pbxPort}`], domain: 'pbx.e2e' },
      media: { rtpPorts: [40000, 49999] },
      storage: { adapter: 'memory' },
      log: { level: 'info' },
    }));
    const rvoip = runRvoip(['start', '--config', config], dir);
    try {
      await rvoip.waitFor(/pbx routing calls/);
      const run = await runEchoLoad({ dir, pbxPort, domain: 'pbx.e2e', calls: CALLS, rate: 50, limit: 40, holdMs: 1000, timeoutMs: 120_000 });
      expect(run.code, run.stderr).to.equal(0);
      expect(run.successful).to.equal(CALLS);
      expect(run.failed).to.equal(0);
      const routed = rvoip.output().match(/"route":"echo"[^\n]*"msg":"pbx call routed"/g) ?? [];
      expect(routed).to.have.length(CALLS);
      for (let i = 0; i < 100 && (rvoip.output().match(/"route":"echo"[^\n]*"msg":"pbx call ended"/g) ?? []).length < CALLS; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const ended = rvoip.output().match(/"route":"echo"[^\n]*"msg":"pbx call ended"/g) ?? [];
      expect(ended).to.have.length(CALLS);
      // Every call's RTP came back: the echo loop re-sent at least one decoded frame per call.
      const silent = ended.filter((line) => !/"echoedFrames":[1-9]/.test(line));
      expect(silent, silent.slice(0, 3).join('\n')).to.deep.equal([]);
      expect(await rvoip.stop('SIGTERM')).to.equal(0);
    } finally {
      await rvoip.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
