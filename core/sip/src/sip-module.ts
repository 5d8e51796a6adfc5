/**
 * The SIP package's kernel module: one SipStack per process, created from the resolved
 * config's `sip` section when the kernel starts and closed when it stops. Until a session
 * layer registers handlers, the stack answers OPTIONS (and 405 to what it cannot serve).
 */
import { ContainerModule, inject, injectable, optional } from 'inversify';
import { Lifecycle, Logger, ResolvedConfig, RvoipError, silentLogger } from '@rvoip/contracts';
import type { Logger as LoggerType, ResolvedConfig as ResolvedConfigType } from '@rvoip/contracts';
import { SipStack } from './ua/sip-stack.js';
import { parseListenSpec } from './transport/types.js';
import type { ListenSpec, UdpDivert } from './transport/types.js';

export const SipStackHost = Symbol.for('rvoip.sip.SipStackHost');

/**
 * Optional: the `divert` hook given to every udp:// listen point of the main stack when
 * `sip.workers` > 1 (the kernel binds it to count the REGISTERs the main thread serves).
 */
export const SipUdpDivert = Symbol.for('rvoip.sip.SipUdpDivert');

/** Gives services the running stack; `stack` throws before the kernel started it. */
export interface SipStackHost {
  readonly stack: SipStack;
  readonly started: boolean;
}

@injectable()
export class SipStackService implements Lifecycle, SipStackHost {
  readonly name = 'sip';
  private current: SipStack | undefined;
  private readonly logger: LoggerType;

  constructor(
    @inject(ResolvedConfig) private readonly config: ResolvedConfigType,
    @inject(Logger) @optional() logger?: LoggerType,
    @inject(SipUdpDivert) @optional() private readonly divert?: UdpDivert,
  ) {
    this.logger = (logger ?? silentLogger).child({ component: 'sip' });
  }

  /**
   * With worker threads, each udp:// point is bound with SO_REUSEPORT so the workers can
   * bind the same port; with one thread the URIs go through untouched.
   */
  private listenSpecs(): Array<string | ListenSpec> {
    const { listen, workers } = this.config.sip;
    if ((workers ?? 1) <= 1) return [...listen];
    return listen.map((uri) => {
      if (!uri.toLowerCase().startsWith('udp://')) return uri;
      return { ...parseListenSpec(uri), reusePort: true, ...(this.divert === undefined ? {} : { divert: this.divert }) };
    });
  }

  get started(): boolean {
    return this.current !== undefined;
  }

  get stack(): SipStack {
    if (this.current === undefined) {
      throw new RvoipError('RVOIP_ERR_SIP_NOT_STARTED', 'the SIP stack is used before the kernel started the "sip" service');
    }
    return this.current;
  }

  async onStart(): Promise<void> {
    this.current = await SipStack.create({ listen: this.listenSpecs(), domain: this.config.sip.domain, logger: this.logger });
    for (const lp of this.current.listeningPoints()) {
      this.logger.info({ protocol: lp.protocol, host: lp.host, port: lp.port }, 'SIP listening');
    }
  }

  async onStop(): Promise<void> {
    const stack = this.current;
    this.current = undefined;
    await stack?.close();
  }
}

export const sipModule = new ContainerModule(({ bind }) => {
  bind(SipStackService).toSelf().inSingletonScope();
  bind<SipStackHost>(SipStackHost).toService(SipStackService);
  bind<Lifecycle>(Lifecycle).toService(SipStackService);
});
