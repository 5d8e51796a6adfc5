import { ContainerModule } from 'inversify';
import type { ResolutionContext } from 'inversify';
import { Lifecycle, Logger, ResolvedConfig } from '@rvoip/contracts';
import type { Logger as LoggerType, ResolvedConfig as Config } from '@rvoip/contracts';
import { MediaEngine } from '@rvoip/media';
import { SipStackHost, sipModule } from '@rvoip/sip';
import { httpModule } from './http/http-module.js';
import { sipWorkersModule } from './workers/sip-workers-module.js';
import { CallSettingsToken, MediaLegFactoryToken, SessionRuntimeToken, SipUserAgentToken, mediaEngineLegs, pbxModule, registrarModule, sessionModule } from '@rvoip/session';

/** The host part of a `udp://host:port` listen URI (brackets of IPv6 removed). */
function listenHost(uri: string | undefined): string {
  const m = uri === undefined ? null : /^[a-z]+:\/\/(\[[^\]]+\]|[^:/]+)/i.exec(uri);
  return m ? m[1]!.replace(/^\[|\]$/g, '') : '0.0.0.0';
}

function mediaEngine(ctx: ResolutionContext): MediaEngine {
  const config = ctx.get<Config>(ResolvedConfig);
  const [min, max] = config.media.rtpPorts;
  return new MediaEngine({
    bindAddress: listenHost(config.sip.listen[0]),
    rtpPortRange: [min, max],
    logger: ctx.get<LoggerType>(Logger).child({ component: 'media' }),
  });
}

/**
 * Joins the layers for a config-file deployment: the running SipStack serves as the
 * session layer's user agent, one MediaEngine (RTP ports from `media.rtpPorts`) makes the
 * media legs, and a `session` service attaches the session runtime once SIP is up.
 */
export const platformModule = new ContainerModule(({ bind }) => {
  bind(SipUserAgentToken).toDynamicValue((ctx) => ctx.get<SipStackHost>(SipStackHost).stack);
  bind(MediaEngine).toDynamicValue(mediaEngine).inSingletonScope();
  bind(MediaLegFactoryToken).toDynamicValue((ctx) => mediaEngineLegs(ctx.get(MediaEngine))).inSingletonScope();
  bind(CallSettingsToken).toDynamicValue((ctx) => {
    const config = ctx.get<Config>(ResolvedConfig);
    return { localUri: `sip:rvoip@${config.sip.domain}` };
  }).inSingletonScope();
  bind<Lifecycle>(Lifecycle).toDynamicValue((ctx): Lifecycle => ({
    name: 'session',
    dependsOn: ['sip'],
    onStart: () => void ctx.get(SessionRuntimeToken),
    // Every RTP socket is closed with the engine; SIP (stopped after us) then closes its own.
    onStop: () => ctx.get(MediaEngine).close(),
  })).inSingletonScope();
});

/**
 * The ContainerModules of the core packages, loaded after the kernel's own module and
 * before plugins (so plugins and apps can rebind any of their services). Each core package
 * exports one `xxxModule` from `src/<name>-module.ts`; adding a layer is one line here.
 */
export const defaultCoreModules: readonly ContainerModule[] = [
  sipModule, sessionModule, platformModule, registrarModule, sipWorkersModule, pbxModule, httpModule,
];
