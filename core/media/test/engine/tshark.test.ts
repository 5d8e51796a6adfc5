import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaEngine } from '../../src/index.js';
import { connect, testEngine } from '../helpers/engines.js';
import { delay } from '../helpers/ports.js';
import { onPath, startCapture } from '../helpers/tshark.js';

describe('RTP on the wire, as tshark sees it', function () {
  this.timeout(30000);
  let ea: MediaEngine;
  let eb: MediaEngine;
  let dir: string;
  beforeEach(() => {
    // A long RTCP interval keeps RTCP (muxed on the RTP port) out of the capture window.
    ea = testEngine({ rtcp: { minIntervalSec: 120 } });
    eb = testEngine({ rtcp: { minIntervalSec: 120 } });
    dir = mkdtempSync(join(tmpdir(), 'rvoip-tshark-'));
  });
  afterEach(async () => {
    await ea.close();
    await eb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, string, number]> = [['pcma', 'g711A', 8], ['pcmu', 'g711U', 0], ['g722', 'g722', 9]];
  for (const [codec, tsharkName, pt] of cases) {
    it(`${codec}: right payload type, no sequence errors, no loss`, async () => {
      if (!onPath('tshark')) expect.fail('tshark is not on PATH: install the Debian package "tshark" (CI does) to run this test');
      const a = await ea.createSession({ codecs: [codec], frameRate: 8000 });
      const b = await eb.createSession({ codecs: [codec], frameRate: 8000 });
      connect(a, b);
      const file = join(dir, `${codec}.pcapng`);
      const capture = await startCapture(b.localPort, file);
      await a.playTone({ frequencies: [1000] }, 1000);
      await delay(300);
      const exited = new Promise((r) => capture.on('exit', r));
      capture.kill('SIGINT');
      await exited;
      const sent = a.stats().packetsSent;
      expect(sent).to.equal(50);
      const report = execFileSync('tshark', ['-r', file, '-Y', `udp.dstport==${b.localPort}`, '-d', `udp.port==${b.localPort},rtp`, '-q', '-z', 'rtp,streams'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const rows = report.split('\n').filter((l) => l.includes('0x'));
      expect(rows, report).to.have.length(1);
      const cols = rows[0].trim().split(/\s+/);
      // Start End SrcIP SrcPort DstIP DstPort SSRC Payload Pkts Lost (pct) ... Problem?
      expect(cols[7], report).to.equal(tsharkName);
      expect(Number(cols[5])).to.equal(b.localPort);
      expect(Number(cols[8]), report).to.equal(50);
      expect(cols[9], report).to.equal('0');
      expect(rows[0], report).to.not.match(/\bX\s*$/);
      const seqErrors = execFileSync('tshark', ['-r', file, '-d', `udp.port==${b.localPort},rtp`, '-Y', `udp.dstport==${b.localPort} && (rtp.p_type != ${pt} || _ws.expert)`, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(seqErrors.trim(), 'packets with a wrong payload type or an expert (sequence) warning').to.equal('');
    });
  }
});
