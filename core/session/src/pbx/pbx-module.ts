/**
 * The PBX for the kernel: rebinds SignalingHandler to a gate that routes every inbound
 * INVITE through PbxRouter once the 'pbx' lifecycle has started (503 before), logs each
 * registration change, and on shutdown ends every live call with BYE (CANCEL/487 for
 * calls still ringing) before the session layer closes the media engine.
 */
import { ContainerModule, injectable } from 'inversify';
import {
  CallController, Decision, Lifecycle, Logger, RegistryService, ResolvedConfig, SessionManager, SignalingHandler,
  StorageAdapter, silentLogger,
} from '@rvoip/contracts';
import type {
  Disposable, IncomingRequestInfo, Logger as LoggerType, RegistryService as RegistryServiceType, SessionId,
  ResolvedConfig as ResolvedConfigType, SessionManager as SessionManagerType, SignalingDecision,
  SignalingHandler as SignalingHandlerType, StorageAdapter as StorageAdapterType,
} from '@rvoip/contracts';
import { SipStackHost } from '@rvoip/sip';
import type { SipStackHost as SipStackHostType } from '@rvoip/sip';
import type { DefaultCallController } from '../call-controller.js';
import { UserDirectory } from '../registrar/user-directory.js';
import type { SessionRuntime } from '../session-runtime.js';
import { CallSettingsToken, MediaLegFactoryToken, SessionRuntimeToken } from '../tokens.js';
import type { MediaLegFactory } from '../ports.js';
import { DirectMediaLegs } from './direct-media.js';
import type { CallSettings } from '../call/call-context.js';
import { referTargetFor } from './refer-target.js';
import { DEFAULT_PBX_OPTIONS, PbxOptionsToken } from './options.js';
import type { PbxOptions } from './options.js';
import { PbxRouter } from './pbx-router.js';
import { SessionWatch } from './session-watch.js';

type CallSettingsValue = Partial<CallSettings> & { readonly localUri: string };

/** The bound SignalingHandler; the router arrives at start so it can use the CallController without a cycle. */
@injectable()
export class PbxSignalingGate implements SignalingHandlerType {
  router: PbxRouter | undefined;

  decide(req: IncomingRequestInfo): SignalingDecision | Promise<SignalingDecision> {
    return this.router ? this.router.decide(req) : Decision.reject(503, 'Service Unavailable');
  }
}

/** Services the PBX drives; resolved at start, once the SIP stack and session layer run. */
export interface PbxServices {
  readonly calls: DefaultCallController;
  readonly sessions: SessionManagerType;
  readonly runtime: SessionRuntime;
  readonly registry: RegistryServiceType;
  readonly config: ResolvedConfigType;
  readonly storage: StorageAdapterType;
  readonly options: PbxOptions;
  readonly logger: LoggerType;
  readonly self?: { readonly host: string; readonly port: number };
  readonly directLegs?: DirectMediaLegs;
}

export class PbxLifecycle implements Lifecycle {
  readonly name = 'pbx';
  readonly dependsOn = ['session', 'registrar'] as const;
  private subs: Disposable[] = [];
  private services: PbxServices | undefined;

  constructor(private readonly gate: PbxSignalingGate, private readonly resolve: () => PbxServices) {}

  onStart(): void {
    const s = (this.services = this.resolve());
    const watch = new SessionWatch(s.sessions);
    const { sip, registrar } = s.config;
    const router = new PbxRouter(
      { calls: s.calls, sessions: s.sessions, runtime: s.runtime, watch, logger: s.logger, options: s.options },
      { registry: s.registry, users: new UserDirectory(registrar.users, sip.domain, s.storage.users), domain: sip.domain,
        ...(s.self && { self: s.self }), ...(s.directLegs && { directLegs: s.directLegs }) },
    );
    this.gate.router = router;
    this.subs = [watch, router, s.registry.onChange((c) => {
      if (s.logger.isLevelEnabled?.('info') === false) return;
      const b = c.binding;
      s.logger.info({
        aor: c.aor, kind: c.kind, contact: b.contact, expiresAt: b.expiresAt.toISOString(),
        source: `${b.source.transport}:${b.source.address}:${b.source.port}`, ...(b.userAgent && { userAgent: b.userAgent }),
      }, 'pbx registration');
    })];
    s.logger.info({ domain: sip.domain, echo: `sip:${s.options.echoUser}@${sip.domain}`, media: s.directLegs ? 'direct' : 'anchored' }, 'pbx routing calls');
  }

  async onStop(): Promise<void> {
    this.gate.router = undefined;
    const s = this.services;
    if (!s) return;
    const live = s.sessions.list().filter((s) => s.state !== 'terminated' && s.state !== 'failed');
    if (live.length > 0) s.logger.info({ calls: live.length }, 'pbx ending live calls for shutdown');
    const all = Promise.allSettled(live.map((call) => s.calls.hangup(call.id, 'normal')));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((resolve) => { timer = setTimeout(resolve, s.options.shutdownTimeoutMs); })]);
    clearTimeout(timer);
    for (const sub of this.subs) sub.dispose();
    this.subs = [];
  }
}

function directLegsOf(factory: MediaLegFactory): { directLegs?: DirectMediaLegs } {
  return factory instanceof DirectMediaLegs ? { directLegs: factory } : {};
}

export const pbxModule = new ContainerModule(({ bind, rebind, onActivation }) => {
  onActivation<MediaLegFactory>(MediaLegFactoryToken, (ctx, factory) => {
    const options = ctx.get<Partial<PbxOptions>>(PbxOptionsToken, { optional: true });
    return options?.media === 'direct' ? new DirectMediaLegs(factory) : factory;
  });
  // Transfers to our own users go back through the PBX (see refer-target.ts).
  onActivation<CallSettingsValue>(CallSettingsToken, (ctx, settings) => {
    const domain = ctx.get<ResolvedConfigType>(ResolvedConfig).sip.domain;
    const listen = ctx.get<SipStackHostType>(SipStackHost).stack.listeningPoints()[0];
    const gate = ctx.get(PbxSignalingGate);
    return {
      ...settings,
      referTarget: referTargetFor(domain, listen),
      // A phone's attended transfer between two of its calls through us is a re-bridge here.
      localReplaces: (transferor: SessionId, replaced: SessionId) => gate.router?.bridged.join(transferor, replaced) ?? Promise.resolve(undefined),
    };
  });
  bind(PbxSignalingGate).toSelf().inSingletonScope();
  rebind<SignalingHandlerType>(SignalingHandler).toService(PbxSignalingGate);
  bind(PbxLifecycle).toDynamicValue((ctx) => new PbxLifecycle(ctx.get(PbxSignalingGate), () => ({
    calls: ctx.get<DefaultCallController>(CallController),
    sessions: ctx.get<SessionManagerType>(SessionManager),
    runtime: ctx.get<SessionRuntime>(SessionRuntimeToken),
    registry: ctx.get<RegistryServiceType>(RegistryService),
    config: ctx.get<ResolvedConfigType>(ResolvedConfig),
    storage: ctx.get<StorageAdapterType>(StorageAdapter),
    options: { ...DEFAULT_PBX_OPTIONS, ...ctx.get<Partial<PbxOptions>>(PbxOptionsToken, { optional: true }) },
    logger: (ctx.get<LoggerType>(Logger, { optional: true }) ?? silentLogger).child({ component: 'pbx' }),
    self: ctx.get<SipStackHostType>(SipStackHost).stack.listeningPoints()[0],
    ...directLegsOf(ctx.get<MediaLegFactory>(MediaLegFactoryToken)),
  }))).inSingletonScope();
  bind<Lifecycle>(Lifecycle).toService(PbxLifecycle);
});
