/**
 * A UAC registration (RFC 3261 10.2): one Call-ID for its lifetime, CSeq rising, digest
 * answered, refreshed before the granted expiry, removed with Expires: 0.
 */
import type { Logger } from '@rvoip/contracts';
import { RvoipError } from '@rvoip/contracts';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { RemoteTarget } from '../transport/types.js';
import { buildRequest, generateCallId } from './request-factory.js';
import type { Credentials, SendOptions } from './types.js';

export interface RegistrationOptions {
  /** Registrar URI, e.g. `sip:example.com` or `sip:127.0.0.1:5060`. */
  registrar: string;
  /** Address of record, e.g. `sip:alice@example.com`; defaults to `sip:<username>@<registrar host>`. */
  aor?: string;
  credentials?: Credentials;
  /** Requested binding lifetime in seconds (default 3600). */
  expires?: number;
  /** Transport for the Contact (default udp). */
  protocol?: string;
  target?: RemoteTarget;
}

export interface RegistrationHost {
  domain: string;
  userAgent: string;
  contactFor(protocol: string, user?: string): string;
  send(req: SipRequest, opts: SendOptions): Promise<SipResponse>;
  logger: Logger;
  onEnd(r: Registration): void;
}

export class RegistrationError extends RvoipError {
  readonly status: number;
  constructor(message: string, status: number) {
    super('RVOIP_ERR_SIP_REGISTER', message, { status });
    this.status = status;
  }
}

export class Registration {
  readonly callId = generateCallId();
  /** Seconds the registrar granted on the last successful REGISTER. */
  grantedExpires = 0;
  private cseq = 0;
  private refreshTimer: NodeJS.Timeout | undefined;
  private active = false;
  private readonly aor: string;
  private readonly user: string;

  constructor(
    private readonly opts: RegistrationOptions,
    private readonly host: RegistrationHost,
  ) {
    const registrarHost = opts.registrar.replace(/^sips?:/, '').replace(/[;?].*$/, '');
    this.user = opts.credentials?.username ?? 'rvoip';
    this.aor = opts.aor ?? `sip:${this.user}@${registrarHost}`;
  }

  get registered(): boolean {
    return this.active;
  }

  async start(): Promise<void> {
    await this.send(this.opts.expires ?? 3600);
  }

  async unregister(): Promise<void> {
    clearTimeout(this.refreshTimer);
    if (this.active) {
      this.active = false;
      await this.send(0).catch((err: unknown) => this.host.logger.warn({ err, aor: this.aor }, 'un-REGISTER failed'));
    }
    this.host.onEnd(this);
  }

  private async send(expires: number): Promise<void> {
    const contact = this.host.contactFor(this.opts.protocol ?? 'udp', this.user);
    const req = buildRequest({
      method: 'REGISTER',
      uri: this.opts.registrar,
      to: `<${this.aor}>`,
      from: `<${this.aor}>`,
      callId: this.callId,
      cseq: ++this.cseq,
      contact,
      userAgent: this.host.userAgent,
      headers: [['Expires', expires]],
    });
    const res = await this.host.send(req, {
      ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
      ...(this.opts.target ? { target: this.opts.target } : {}),
    });
    // Digest retries consumed CSeq numbers; continue above the last one sent.
    this.cseq = Math.max(this.cseq, res.cseq.seq);
    if (res.status < 200 || res.status >= 300) {
      throw new RegistrationError(`REGISTER ${this.aor} at ${this.opts.registrar} failed: ${res.status} ${res.reason}`, res.status);
    }
    if (expires === 0) return;
    this.active = true;
    this.grantedExpires = this.granted(res, contact, expires);
    this.scheduleRefresh();
  }

  /** 10.2.4: the Contact's expires param for our binding wins over the Expires header. */
  private granted(res: SipResponse, contact: string, asked: number): number {
    const ours = contact.replace(/^<|>$/g, '');
    const binding = res.contacts.find((c) => c.uri.toString() === ours);
    const param = binding?.param('expires');
    const fromParam = typeof param === 'string' ? Number(param) : NaN;
    if (Number.isFinite(fromParam)) return fromParam;
    return res.expires ?? asked;
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    const seconds = Math.max(1, this.grantedExpires > 60 ? this.grantedExpires - 30 : this.grantedExpires * 0.5);
    this.refreshTimer = setTimeout(() => {
      this.send(this.opts.expires ?? 3600).catch((err: unknown) => {
        this.active = false;
        this.host.logger.error({ err, aor: this.aor }, 'registration refresh failed');
      });
    }, seconds * 1000);
    this.refreshTimer.unref?.();
  }
}
