import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRvoip } from '../../../../test/e2e/helpers.js';
import { request, sample } from './helpers.js';

/** Polls until /health answers 200; a refused connection or a 503 just means "not yet". */
async function untilHealthy(base: string, attempts = 200): Promise<{ status: string; version: string }> {
  for (let i = 0; i < attempts; i++) {
    const res = await request(base, 'GET', '/health').catch(() => undefined);
    if (res?.status === 200) return res.json() as { status: string; version: string };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${base}/health never answered 200`);
}

describe('rvoip start with http.listen, as a process', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'rvoip-http-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('logs "HTTP listening" with the bound URL, turns /health 200, serves /metrics, exits 0 on SIGTERM', async () => {
    const config = join(dir, 'rvoip.config.json');
    writeFileSync(config, JSON.stringify({
      sip: { listen: ['udp://127.0.0.1:0'], domain: 'e2e.test' },
      storage: { adapter: 'memory' },
      http: { listen: '127.0.0.1:0' },
      log: { level: 'debug' },
    }));
    const rvoip = runRvoip(['start', '--config', config], dir);
    try {
      const line = await rvoip.waitFor(/"url":"http:\/\/127\.0\.0\.1:\d+"[^\n]*"msg":"HTTP listening"/);
      const base = /"url":"([^"]+)"/.exec(line)![1]!;
      expect(await untilHealthy(base)).to.include({ status: 'ok' });
      const metrics = await request(base, 'GET', '/metrics');
      expect(metrics.status).to.equal(200);
      expect(sample(metrics.text, 'rvoip_sip_transport_messages_received_total')).to.be.a('number');
      expect(sample(metrics.text, 'process_start_time_seconds')).to.be.greaterThan(0);
      expect((await request(base, 'GET', '/api/v1/calls')).json()).to.deep.equal({ calls: [], count: 0 });
      await rvoip.waitFor(/"msg":"HTTP request"/);
      expect(await rvoip.stop('SIGTERM'), rvoip.output()).to.equal(0);
      expect(rvoip.output()).to.contain('"msg":"HTTP stopped"');
    } finally {
      await rvoip.stop('SIGKILL');
    }
  });
});
