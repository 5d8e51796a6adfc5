import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DtmfSender } from '../../src/dtmf/dtmf-sender.js';
import type { DtmfPacket } from '../../src/dtmf/dtmf-sender.js';

const PORT = 40000;
const PT = 101;

/** A pcap (LINKTYPE_RAW: bare IPv4) holding one RTP packet per DTMF packet, timed as sent. */
function pcap(packets: DtmfPacket[]): Buffer {
  const parts: Buffer[] = [];
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(101, 20);
  parts.push(global);
  let ms = 0;
  packets.forEach((p, i) => {
    ms += p.delayMs;
    const rtp = Buffer.alloc(12);
    rtp[0] = 0x80;
    rtp[1] = (p.marker ? 0x80 : 0) | PT;
    rtp.writeUInt16BE(1000 + i, 2);
    rtp.writeUInt32BE(p.timestamp, 4);
    rtp.writeUInt32BE(0x12345678, 8);
    const udpLen = 8 + rtp.length + p.payload.length;
    const ip = Buffer.alloc(28);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + udpLen, 2);
    ip[8] = 64;
    ip[9] = 17;
    Buffer.from([127, 0, 0, 1]).copy(ip, 12);
    Buffer.from([127, 0, 0, 1]).copy(ip, 16);
    ip.writeUInt16BE(PORT + 2, 20);
    ip.writeUInt16BE(PORT, 22);
    ip.writeUInt16BE(udpLen, 24);
    const frame = Buffer.concat([ip, rtp, p.payload]);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(ms / 1000), 0);
    rec.writeUInt32LE((ms % 1000) * 1000, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    parts.push(rec, frame);
  });
  return Buffer.concat(parts);
}

describe('RFC 4733 packets as Wireshark decodes them', () => {
  it('tshark reads our DtmfSender packets as the events, E bits, durations and markers we meant', () => {
    try {
      execFileSync('sh', ['-c', 'command -v tshark']);
    } catch {
      expect.fail('tshark is not on PATH: install the Debian package "tshark" (CI does) to run this test');
    }
    const packets = [...new DtmfSender({ durationMs: 120, updateMs: 50, volume: 10 }).packets('9#', 160)];
    const dir = mkdtempSync(join(tmpdir(), 'rvoip-rfc4733-'));
    try {
      const file = join(dir, 'dtmf.pcap');
      writeFileSync(file, pcap(packets));
      const fields = ['rtp.marker', 'rtp.timestamp', 'rtpevent.event_id', 'rtpevent.end_of_event', 'rtpevent.volume', 'rtpevent.duration'];
      const out = execFileSync(
        'tshark',
        ['-r', file, '-d', `udp.port==${PORT},rtp`, '-o', `rtpevent.event_payload_type_value:${PT}`, '-T', 'fields', '-E', 'separator=,', ...fields.flatMap((f) => ['-e', f])],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      );
      const rows = out.trim().split('\n').map((l) => l.split(','));
      const expected = packets.map((p) => {
        const ev = p.digit === '9' ? '9' : '11';
        const duration = p.payload.readUInt16BE(2);
        return [p.marker ? '1' : '0', String(p.timestamp), ev, p.end ? '1' : '0', '10', String(duration)];
      });
      expect(rows).to.deep.equal(expected);
      // The sender's contract, checked on tshark's reading: 3 end packets per digit.
      expect(rows.filter((r) => r[2] === '9' && r[3] === '1')).to.have.length(3);
      expect(rows.filter((r) => r[2] === '11' && r[3] === '1')).to.have.length(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
