/** tshark on loopback for RTP tests: PATH check, a capture known to be live, stream reports. */
import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { delay } from './ports.js';

export function onPath(cmd: string): boolean {
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
export async function startCapture(port: number, file: string): Promise<ReturnType<typeof spawn>> {
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

/** Stops a capture and waits until tshark has written its file. */
export async function stopCapture(capture: ReturnType<typeof spawn>): Promise<void> {
  const exited = new Promise((r) => capture.on('exit', r));
  capture.kill('SIGINT');
  await exited;
}

/** `tshark -z rtp,streams` rows for packets to `port`, decoded as RTP. */
export function rtpStreams(file: string, port: number): string {
  return execFileSync('tshark', ['-r', file, '-Y', `udp.dstport==${port}`, '-d', `udp.port==${port},rtp`, '-q', '-z', 'rtp,streams'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

/** Frame numbers of packets to `port` matching `filter` (e.g. expert warnings: sequence errors). */
export function rtpFramesMatching(file: string, port: number, filter: string): string {
  return execFileSync('tshark', ['-r', file, '-d', `udp.port==${port},rtp`, '-Y', `udp.dstport==${port} && (${filter})`, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

