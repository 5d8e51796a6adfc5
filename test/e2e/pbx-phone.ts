/**
 * A headless baresip registered with the PBX (digest): generated config dir, an aufile
 * sine as microphone, sndfile dumps of both directions, ctrl_tcp (netstring JSON) for
 * commands and events, the cons module (UDP) for menu keys such as hold, SIP trace on.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function requireBinary(name: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${name}`]).status !== 0) {
    throw new Error(`${name} is not on PATH: install the Debian package ${pkg} to run the PBX end-to-end tests`);
  }
}

async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface PhoneEvent {
  readonly type: string;
  readonly param?: string;
  readonly [key: string]: unknown;
}

export interface PhoneOptions {
  readonly user: string;
  readonly password: string;
  readonly pbxPort: number;
  /** The PBX's `sip.domain`; the PBX's address is the phone's outbound proxy. */
  readonly domain: string;
  readonly toneHz: number;
}

export class PbxPhone {
  readonly events: PhoneEvent[] = [];
  log = '';
  private proc?: ChildProcess;
  private ctrl?: Socket;
  private buf = '';
  private readonly waiters: Array<{ match: (e: PhoneEvent) => boolean; resolve: (e: PhoneEvent) => void }> = [];
  private readonly pending: Array<(r: { ok: boolean; data: string }) => void> = [];

  private constructor(readonly dir: string, readonly user: string, private readonly ctrlPort: number, private readonly consPort: number) {}

  static async start(o: PhoneOptions): Promise<PbxPhone> {
    requireBinary('baresip', 'baresip-core');
    requireBinary('sox', 'sox');
    const dir = mkdtempSync(join(tmpdir(), `rvoip-pbx-${o.user}-`));
    // baresip's TLS transport binds the SIP port + 1: space the other ports from it.
    const sipPort = await freeTcpPort();
    const ctrlPort = await freeTcpPort();
    const consPort = await freeTcpPort();
    const tone = join(dir, 'tone.wav');
    spawnSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', tone, 'synth', '120', 'sine', String(o.toneHz), 'vol', '0.3']);
    writeFileSync(join(dir, 'config'), [
      'poll_method epoll', `sip_listen 127.0.0.1:${sipPort}`, 'net_interface 127.0.0.1',
      'audio_player aubridge,nil', `audio_source aufile,${tone}`, 'audio_alert aubridge,nil',
      'audio_srate 8000', 'audio_channels 1', 'module_path /usr/lib/baresip/modules',
      'module g711.so', 'module aufile.so', 'module aubridge.so', 'module sndfile.so', 'module account.so',
      'module menu.so', 'module ctrl_tcp.so', `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
      'module cons.so', `cons_listen 127.0.0.1:${consPort}`, `snd_path ${dir}`, '',
    ].join('\n'));
    writeFileSync(join(dir, 'accounts'),
      `<sip:${o.user}@${o.domain}>;auth_pass=${o.password};outbound="sip:127.0.0.1:${o.pbxPort}";regint=600;answermode=auto;audio_codecs=PCMU\n`);
    const phone = new PbxPhone(dir, o.user, ctrlPort, consPort);
    await phone.launch();
    return phone;
  }

  private async launch(): Promise<void> {
    this.proc = spawn('baresip', ['-s', '-f', this.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (d: Buffer) => { this.log += d.toString(); });
    this.proc.stderr!.on('data', (d: Buffer) => { this.log += d.toString(); });
    for (let i = 0; i < 50 && !this.log.includes('baresip is ready'); i++) await sleep(100);
    if (!this.log.includes('baresip is ready')) throw new Error(`baresip (${this.user}) did not start:\n${this.log}`);
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
      const msg = JSON.parse(this.buf.slice(colon + 1, colon + 1 + len)) as Record<string, unknown>;
      this.buf = this.buf.slice(colon + 2 + len);
      if (msg.event) {
        const e = msg as unknown as PhoneEvent;
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

  command(command: string, params = ''): Promise<{ ok: boolean; data: string }> {
    const body = JSON.stringify({ command, params, token: String(Date.now()) });
    return new Promise((resolve) => {
      this.pending.push(resolve);
      this.ctrl!.write(`${Buffer.byteLength(body)}:${body},`);
    });
  }

  /** Menu keys through cons: hold ('x') and resume ('X') have no ctrl_tcp command in baresip 1.0. */
  async keys(keys: string): Promise<void> {
    const sock = createSocket('udp4');
    await new Promise<void>((resolve, reject) => sock.send(keys, this.consPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    sock.close();
  }

  /** The first event (past or future) of `type` passing `match`, counted from `after` events in. */
  waitFor(type: string, timeoutMs = 15_000, match: (e: PhoneEvent) => boolean = () => true, after = 0): Promise<PhoneEvent> {
    const seen = this.events.slice(after).find((e) => e.type === type && match(e));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`baresip ${this.user}: no ${type} within ${timeoutMs} ms; events: ${this.events.map((e) => `${e.type}(${e.param ?? ''})`).join(', ')}\n${this.log.slice(-3000)}`)), timeoutMs);
      this.waiters.push({ match: (e) => e.type === type && match(e), resolve: (e) => { clearTimeout(timer); resolve(e); } });
    });
  }

  /** Waits for `pattern` in the phone's output (registration may finish before ctrl_tcp connects). */
  async waitLog(pattern: RegExp, timeoutMs = 15_000): Promise<void> {
    for (let waited = 0; !pattern.test(this.log); waited += 100) {
      if (waited >= timeoutMs) throw new Error(`baresip ${this.user}: never printed ${pattern}\n${this.log.slice(-3000)}`);
      await sleep(100);
    }
  }

  /** sndfile dumps: `dec` is what the phone heard, `enc` what it sent. */
  dumps(kind: 'dec' | 'enc'): string[] {
    return readdirSync(this.dir).filter((f) => f.startsWith('dump-') && f.endsWith(`-${kind}.wav`)).sort().map((f) => join(this.dir, f));
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
