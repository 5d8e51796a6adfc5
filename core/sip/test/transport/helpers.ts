/** Shared fixtures for the transport tests: message builders, waiting, TLS material. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SipRequest, SipResponse, SipHeaders } from '@rvoip/sip';
import type { ReceivedInfo, SipMessage, TransportLayer } from '@rvoip/sip';

export function makeRequest(method: string, uri: string, opts: { body?: string; headers?: Record<string, string> } = {}): SipRequest {
  const h = new SipHeaders();
  h.append('Via', `SIP/2.0/UDP placeholder.invalid;branch=z9hG4bK${randomBytes(6).toString('hex')}`);
  h.append('Max-Forwards', '70');
  h.append('From', `<sip:alice@example.com>;tag=${randomBytes(4).toString('hex')}`);
  h.append('To', '<sip:bob@example.com>');
  h.append('Call-ID', randomBytes(8).toString('hex'));
  h.append('CSeq', `1 ${method}`);
  for (const [k, v] of Object.entries(opts.headers ?? {})) h.append(k, v);
  return new SipRequest(method, uri, h, Buffer.from(opts.body ?? ''));
}

/** The response a UAS would build: Via, From, To (+tag), Call-ID, CSeq copied. */
export function responseTo(req: SipRequest, status = 200, reason = 'OK'): SipResponse {
  const h = new SipHeaders();
  for (const f of req.headers) {
    const k = f.name.toLowerCase();
    if (['via', 'v', 'from', 'f', 'call-id', 'i', 'cseq'].includes(k)) h.append(f.name, f.value);
    if (k === 'to' || k === 't') h.append('To', `${f.value};tag=uas1`);
  }
  return new SipResponse(status, reason, h);
}

export interface Received {
  msg: SipMessage;
  source: ReceivedInfo;
}

/** Collects what a layer hands up and lets a test wait for the n-th message. */
export class Inbox {
  readonly items: Received[] = [];
  private waiters: Array<() => void> = [];

  constructor(layer: TransportLayer) {
    layer.onMessage((msg, source) => {
      this.items.push({ msg, source });
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
  }

  async next(count = this.items.length + 1): Promise<Received> {
    while (this.items.length < count) await new Promise<void>((r) => this.waiters.push(r));
    return this.items[count - 1]!;
  }
}

export function waitFor(pred: () => boolean, what: string, limitMs = 5000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (pred()) resolve();
      else if (Date.now() - started > limitMs) reject(new Error(`gave up waiting for ${what}`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

export interface TlsFiles {
  key: string;
  cert: string;
  dir: string;
}

/** A self-signed certificate for localhost, 127.0.0.1 and ::1 made with openssl. */
export function makeSelfSignedCert(): TlsFiles {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error('openssl is not on PATH: the TLS/WSS transport tests need it to generate a certificate');
  }
  const dir = mkdtempSync(join(tmpdir(), 'rvoip-tls-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), dir };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
