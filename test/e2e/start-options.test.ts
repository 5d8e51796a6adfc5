import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SipStack, buildRequest } from '@rvoip/sip';
import { freeUdpPort, runRvoip } from './helpers.js';

describe('rvoip start (the main job) as a process', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'rvoip-start-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('listens on the configured SIP address, answers OPTIONS and exits 0 on SIGTERM', async () => {
    const port = await freeUdpPort();
    const config = join(dir, 'rvoip.config.json');
    writeFileSync(config, JSON.stringify({ sip: { listen: [`udp://127.0.0.1:${port}`], domain: 'e2e.test' }, storage: { adapter: 'memory' }, log: { level: 'info' } }));
    const rvoip = runRvoip(['start', '--config', config], dir);
    const client = await SipStack.create({ listen: ['udp://127.0.0.1:0'] });
    try {
      await rvoip.waitFor(/SIP listening/);
      const res = await client.sendRequest(buildRequest({ method: 'OPTIONS', uri: `sip:e2e.test@127.0.0.1:${port}`, from: '<sip:probe@client.test>' }));
      expect(res.status).to.equal(200);
      expect(res.headers.get('allow')).to.contain('OPTIONS');
      expect(await rvoip.stop('SIGTERM'), rvoip.output()).to.equal(0);
    } finally {
      await client.close();
      await rvoip.stop('SIGKILL');
    }
  });
});
