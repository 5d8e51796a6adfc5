import { ContainerModule, inject, injectable, named, optional } from 'inversify';
import {
  CallController, CallEventSink, ContributionProvider, Logger, SessionManager, SignalingHandler, StateActionAdapter, StateTable,
  silentLogger,
} from '@rvoip/contracts';
import type {
  Logger as LoggerType,
  CallEventSink as CallEventSinkType, ContributionProvider as ContributionProviderType, SignalingHandler as SignalingHandlerType,
  StateActionAdapter as StateActionAdapterType, StateTable as StateTableType,
} from '@rvoip/contracts';
import type { MediaLegFactory, SipUserAgent } from './ports.js';
import type { CallSettings } from './call/call-context.js';
import { SessionRuntime } from './session-runtime.js';
import { DefaultCallController } from './call-controller.js';
import { DefaultSessionManager } from './session-manager.js';
import { AcceptAllSignalingHandler } from './signaling-handler.js';
import { loadStateTable } from './state/state-table-loader.js';
import { CallSettingsToken, MediaLegFactoryToken, SessionRuntimeToken, SipUserAgentToken } from './tokens.js';

@injectable()
class InjectedSessionRuntime extends SessionRuntime {
  constructor(
    @inject(SipUserAgentToken) ua: SipUserAgent,
    @inject(MediaLegFactoryToken) media: MediaLegFactory,
    @inject(SignalingHandler) signaling: SignalingHandlerType,
    @inject(StateTable) table: StateTableType,
    @inject(CallEventSink) sink: CallEventSinkType,
    @inject(CallSettingsToken) settings: Partial<CallSettings> & { readonly localUri: string },
    @inject(ContributionProvider) @named(StateActionAdapter) @optional() adapters?: ContributionProviderType<StateActionAdapterType>,
    @inject(Logger) @optional() logger?: LoggerType,
  ) {
    super({
      ua, media, signaling, table, sink, settings,
      adapters: () => adapters?.getContributions() ?? [],
      logger: (logger ?? silentLogger).child({ component: 'session' }),
    });
  }
}

@injectable()
class InjectedCallController extends DefaultCallController {
  constructor(@inject(SessionRuntimeToken) runtime: SessionRuntime) {
    super(runtime);
  }
}

@injectable()
class InjectedSessionManager extends DefaultSessionManager {
  constructor(@inject(SessionRuntimeToken) runtime: SessionRuntime) {
    super(runtime);
  }
}

@injectable()
class InjectedSignalingHandler extends AcceptAllSignalingHandler {}

/**
 * The session layer for the kernel. Needs SipUserAgentToken, MediaLegFactoryToken,
 * CallSettingsToken and CallEventSink bound elsewhere (Logger optional). Resolving
 * SessionRuntimeToken attaches the runtime to the user agent's INVITE handler: the kernel's
 * 'session' lifecycle does that on start. The state table is the shipped
 * default checked against the bound StateActionAdapters; rebind StateTable to extend it.
 * SignalingHandler defaults to accept-all; a call-centre engine rebinds it.
 */
export const sessionModule = new ContainerModule(({ bind }) => {
  bind<StateTableType>(StateTable).toDynamicValue((ctx) => {
    const adapters = ctx.getAll<StateActionAdapterType>(StateActionAdapter, { optional: true });
    return loadStateTable({ adapters });
  }).inSingletonScope();
  bind<SignalingHandlerType>(SignalingHandler).to(InjectedSignalingHandler).inSingletonScope();
  bind<SessionRuntime>(SessionRuntimeToken).to(InjectedSessionRuntime).inSingletonScope();
  bind(CallController).to(InjectedCallController).inSingletonScope();
  bind(SessionManager).to(InjectedSessionManager).inSingletonScope();
});
