/**
 * A headless baresip for interop tests: generated config dir, aufile tone source, sndfile
 * dumps of both directions, ctrl_tcp (netstring JSON) for commands and events.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function requireBinary(name: string): void {
  const r = spawnSync('sh', ['-c', `command -v ${name}`]);
  if (r.status !== 0) throw new Error(`${name} is not on PATH: install the Debian package (baresip-core / sip-tester / sox) to run this test`);
}

/** A free TCP/UDP-ish port: bind 0, read, release. Good enough for a test-local peer. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface BaresipEvent {
  readonly type: string;
  readonly [key: string]: unknown;
}

export class Baresip {
  readonly dir: string;
  readonly sipPort: number;
  readonly uri: string;
  private proc?: ChildProcess;
  private ctrl?: Socket;
  private buf = '';
  readonly events: BaresipEvent[] = [];
  private readonly waiters: Array<{ match: (e: BaresipEvent) => boolean; resolve: (e: BaresipEvent) => void }> = [];
  private readonly pending: Array<(r: { ok: boolean; data: string }) => void> = [];
  log = '';

  private constructor(dir: string, sipPort: number, private readonly ctrlPort: number, private readonly consPort: number, readonly user: string) {
    this.dir = dir;
    this.sipPort = sipPort;
    this.uri = `sip:${user}@127.0.0.1:${sipPort}`;
  }

  /** Starts baresip playing a `toneHz` sine (8 kHz WAV made by sox). */
  static async start(options: { toneHz: number; answer?: 'auto' | 'manual' | 'early'; user?: string }): Promise<Baresip> {
    requireBinary('baresip');
    requireBinary('sox');
    const dir = mkdtempSync(join(tmpdir(), 'rvoip-baresip-'));
    // baresip's TLS transport takes the SIP port + 1: keep the ctrl port clear of both.
    const sipPort = await freePort();
    const ctrlPort = await freePort();
    const consPort = await freePort();
    const tone = join(dir, 'tone.wav');
    spawnSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', tone, 'synth', '120', 'sine', String(options.toneHz), 'vol', '0.3']);
    const user = options.user ?? 'baresip';
    writeFileSync(join(dir, 'config'), [
      'poll_method epoll', `sip_listen 127.0.0.1:${sipPort}`, 'net_interface 127.0.0.1',
      'audio_player aubridge,nil', `audio_source aufile,${tone}`, 'audio_alert aubridge,nil',
      'audio_srate 8000', 'audio_channels 1', 'module_path /usr/lib/baresip/modules',
      'module g711.so', 'module aufile.so', 'module aubridge.so', 'module sndfile.so', 'module account.so',
      'module menu.so', 'module ctrl_tcp.so', `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`, 'module cons.so', `cons_listen 127.0.0.1:${consPort}`, `snd_path ${dir}`, '',
    ].join('\n'));
    writeFileSync(join(dir, 'accounts'), `<sip:${user}@127.0.0.1:${sipPort}>;regint=0;answermode=${options.answer ?? 'auto'};audio_codecs=PCMU\n`);
    const b = new Baresip(dir, sipPort, ctrlPort, consPort, user);
    await b.launch();
    return b;
  }

  private async launch(): Promise<void> {
    this.proc = spawn('baresip', [...(process.env.BARESIP_TRACE ? ['-s'] : []), '-f', this.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    // A test killed by its timeout must not leave baresip running.
    const proc = this.proc;
    const kill = (): void => { proc.kill('SIGKILL'); };
    process.once('exit', kill);
    proc.once('exit', () => process.off('exit', kill));
    this.proc.stdout!.on('data', (d: Buffer) => { this.log += d.toString(); });
    this.proc.stderr!.on('data', (d: Buffer) => { this.log += d.toString(); });
    for (let i = 0; i < 50 && !this.log.includes('baresip is ready'); i++) await sleep(100);
    if (!this.log.includes('baresip is ready')) throw new Error(`baresip did not start:\n${this.log}`);
    this.ctrl = await new Promise<Socket>((resolve, reject) => {
      const s = new Socket();
      s.once('error', reject);
      s.connect(this.ctrlPort, '127.0.0.1', () => resolve(s));
    });
    this.ctrl.on('data', (d: Buffer) => this.onData(d.toString('latin1')));
  }

  private onData(text: string): void {
    this.buf += text;
    for (;;) {
      const colon = this.buf.indexOf(':');
      if (colon < 0) return;
      const len = Number(this.buf.slice(0, colon));
      if (this.buf.length < colon + 1 + len + 1) return;
      const body = this.buf.slice(colon + 1, colon + 1 + len);
      this.buf = this.buf.slice(colon + 2 + len);
      const msg = JSON.parse(body) as Record<string, unknown>;
      if (msg.event) {
        const e = msg as unknown as BaresipEvent;
        this.events.push(e);
        for (const w of [...this.waiters]) {
          if (w.match(e)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(e);
          }
        }
      } else if (msg.response) {
        this.pending.shift()?.({ ok: Boolean(msg.ok), data: String(msg.data ?? '') });
      }
    }
  }

  /** Sends a ctrl_tcp command (`dial`, `accept`, `hangup`, `sndcode`, `transfer`...). */
  command(command: string, params = ''): Promise<{ ok: boolean; data: string }> {
    const body = JSON.stringify({ command, params, token: String(Date.now()) });
    return new Promise((resolve) => {
      this.pending.push(resolve);
      this.ctrl!.write(`${Buffer.byteLength(body)}:${body},`);
    });
  }

  /**
   * Presses menu keys through the cons module (UDP): commands with no long name, such as
   * 'x' (hold) and 'X' (resume), are not reachable through ctrl_tcp in baresip 1.0.
   */
  async keys(keys: string): Promise<void> {
    const { createSocket } = await import('node:dgram');
    const sock = createSocket('udp4');
    await new Promise<void>((resolve, reject) => sock.send(keys, this.consPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    sock.close();
  }

  /** Resolves with the first event (past or future) of `type` that also passes `match`. */
  waitFor(type: string, timeoutMs = 10_000, match: (e: BaresipEvent) => boolean = () => true): Promise<BaresipEvent> {
    const seen = this.events.find((e) => e.type === type && match(e));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`baresip: no ${type} event within ${timeoutMs} ms; events: ${this.events.map((e) => e.type).join(', ')}\n${this.log.slice(-2000)}`)), timeoutMs);
      this.waiters.push({ match: (e) => e.type === type && match(e), resolve: (e) => { clearTimeout(timer); resolve(e); } });
    });
  }

  /** sndfile dumps: `dec` is what baresip heard, `enc` what it sent. */
  dumps(kind: 'dec' | 'enc'): string[] {
    return readdirSync(this.dir).filter((f) => f.startsWith('dump-') && f.endsWith(`-${kind}.wav`)).map((f) => join(this.dir, f));
  }

  async stop(): Promise<void> {
    this.ctrl?.destroy();
    if (this.proc && this.proc.exitCode === null) {
      const exited = new Promise((resolve) => this.proc!.once('exit', resolve));
      this.proc.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
