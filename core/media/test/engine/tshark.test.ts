import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaEngine } from '../../src/index.js';
import { connect, testEngine } from '../helpers/engines.js';
import { delay } from '../helpers/ports.js';

function onPath(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a loopback capture of RTP to `port` and resolves once a probe datagram sent to
 * `port + 1` (the unused RTCP port: RTCP is muxed) shows up in the file, i.e. the capture
 * is really live, not merely announced.
 */
async function startCapture(port: number, file: string): Promise<ReturnType<typeof spawn>> {
  const proc = await spawnCapture(port, file);
  const probe = dgram.createSocket('udp4');
  try {
    for (let i = 0; i < 100; i++) {
      probe.send(Buffer.from('probe'), port + 1, '127.0.0.1');
      await delay(100);
      if (existsSync(file) && execFileSync('tshark', ['-r', file, '-Y', `udp.dstport==${port + 1}`, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()) return proc;
    }
  } finally {
    probe.close();
  }
  proc.kill('SIGINT');
  throw new Error('tshark capture never saw the probe packet');
}

function spawnCapture(port: number, file: string): Promise<ReturnType<typeof spawn>> {
  const proc = spawn('tshark', ['-i', 'lo', '-f', `udp dst port ${port} or udp dst port ${port + 1}`, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`tshark did not start capturing: ${err}`)), 10000);
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('Capturing on')) {
        clearTimeout(timer);
        resolve(proc);
      }
    });
    proc.on('exit', (code) => reject(new Error(`tshark exited with ${code}: ${err}`)));
  });
}

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
