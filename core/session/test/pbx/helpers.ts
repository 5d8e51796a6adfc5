/**
 * In-process PBX rig: one kernel with the shipped core modules (registrar + PBX on a real
 * SipStack and MediaEngine) and "phones", each a kernel with just the session layer that
 * answers every call (or only rings, for fork and CANCEL tests).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerModule } from 'inversify';
import { CallController, Decision, RegistryService, SessionManager, SignalingHandler } from '@rvoip/contracts';
import type { CallState, RegistryService as RegistryServiceType, SessionId, SessionStateChange } from '@rvoip/contracts';
import { MediaEngine, dominantFrequency } from '@rvoip/media';
import { SipStackHost, sipModule } from '@rvoip/sip';
import {
  CallSettingsToken, MediaLegFactoryToken, PbxOptionsToken, SessionRuntimeToken, SipUserAgentToken, mediaEngineLegs, sessionModule,
} from '@rvoip/session';
import type { DefaultCallController, PbxOptions, SessionRuntime } from '@rvoip/session';
import { Kernel } from '@rvoip/kernel';

export const DOMAIN = 'pbx.test';
export const USERS = [{ username: '1001', password: 'one' }, { username: '1002', password: 'two' }, { username: '1003', password: 'three' }, { username: '1004', password: 'four' }, { username: '1005', password: 'five' }, { username: '1006', password: 'six' }, { username: '1007', password: 'seven' }];

export interface Phone {
  readonly kernel: Kernel;
  readonly name: string;
  readonly port: number;
  readonly contact: string;
  readonly calls: DefaultCallController;
  readonly sessions: SessionManager;
  readonly runtime: SessionRuntime;
  reach(state: CallState, id?: SessionId): Promise<SessionStateChange>;
  /** Dominant frequency among `candidates` in about a second of audio received on `id`. */
  hears(id: SessionId, candidates: readonly number[]): Promise<number>;
}

function reachOn(sessions: SessionManager, state: CallState, id?: SessionId): Promise<SessionStateChange> {
  return new Promise((resolve) => {
    const sub = sessions.onStateChange((c) => {
      if (c.to === state && (!id || c.session.id === id)) {
        sub.dispose();
        resolve(c);
      }
    });
  });
}

export class PbxRig {
  readonly dir = mkdtempSync(join(tmpdir(), 'rvoip-pbx-'));
  private readonly kernels: Kernel[] = [];
  pbx!: Kernel;
  pbxPort = 0;

  /** `pbx` overrides PbxOptions (e.g. direct media) through PbxOptionsToken. */
  async start(logLevel = 'silent', pbx?: Partial<PbxOptions>): Promise<void> {
    const configPath = join(this.dir, 'pbx.config.json');
    writeFileSync(configPath, JSON.stringify({
      sip: { listen: ['udp://127.0.0.1:0'], domain: DOMAIN },
      media: { rtpPorts: [20000, 40000] },
      storage: { adapter: 'memory' },
      registrar: { auth: 'digest', users: USERS },
      log: { level: logLevel },
    }));
    const options = new ContainerModule(({ bind }) => {
      if (pbx) bind(PbxOptionsToken).toConstantValue(pbx);
    });
    this.pbx = await Kernel.create({ configPath, env: {}, modules: [options] });
    this.kernels.push(this.pbx);
    await this.pbx.start();
    this.pbxPort = this.pbx.get<SipStackHost>(SipStackHost).stack.listeningPoints()[0]!.port;
  }

  get pbxSessions(): SessionManager {
    return this.pbx.get<SessionManager>(SessionManager);
  }

  uri(user: string): string {
    return `sip:${user}@127.0.0.1:${this.pbxPort}`;
  }

  /**
   * `codecs` limits what the phone's media engine offers and accepts (e.g. ['pcma']).
   * 'ring' answers INVITEs with 180 only; 'defer' sends nothing (the test rings or answers).
   */
  async phone(name: string, mode: 'answer' | 'ring' | 'defer' = 'answer', codecs?: readonly string[]): Promise<Phone> {
    const configPath = join(this.dir, `${name}.config.json`);
    writeFileSync(configPath, JSON.stringify({
      sip: { listen: ['udp://127.0.0.1:0'], domain: '127.0.0.1' }, storage: { adapter: 'memory' }, log: { level: 'silent' },
    }));
    const wiring = new ContainerModule(({ bind }) => {
      bind(SipUserAgentToken).toDynamicValue((ctx) => ctx.get<SipStackHost>(SipStackHost).stack).inSingletonScope();
      bind(MediaLegFactoryToken).toConstantValue(mediaEngineLegs(new MediaEngine({ bindAddress: '127.0.0.1', rtpPortRange: [40002, 60000], ...(codecs && { codecs: [...codecs] }) }), codecs));
      bind(CallSettingsToken).toDynamicValue((ctx) => {
        const port = ctx.get<SipStackHost>(SipStackHost).stack.listeningPoints()[0]!.port;
        return { localUri: `sip:${name}@127.0.0.1:${port}` };
      }).inSingletonScope();
    });
    const ringOnly = new ContainerModule(({ rebind }) => {
      rebind(SignalingHandler).toConstantValue({ decide: () => Decision.defer({ ring: mode === 'ring' }) });
    });
    const kernel = await Kernel.create({
      configPath, env: {}, coreModules: [sipModule, sessionModule, wiring], ...(mode !== 'answer' && { modules: [ringOnly] }),
    });
    this.kernels.push(kernel);
    await kernel.start();
    const runtime = kernel.get<SessionRuntime>(SessionRuntimeToken);
    const port = kernel.get<SipStackHost>(SipStackHost).stack.listeningPoints()[0]!.port;
    const calls = kernel.get<DefaultCallController>(CallController);
    const sessions = kernel.get<SessionManager>(SessionManager);
    return {
      kernel, name, port, calls, sessions, runtime, contact: `sip:${name}@127.0.0.1:${port}`,
      reach: (state, id) => reachOn(sessions, state, id),
      async hears(id, candidates) {
        const leg = calls.media(id);
        const samples: number[] = [];
        let skipped = 0;
        for await (const frame of leg.frames()) {
          // The first frames carry jitter-buffer fill and the far end's start; skip them.
          if (skipped++ < 15) continue;
          samples.push(...frame);
          if (samples.length >= leg.sampleRate) break;
        }
        return dominantFrequency(samples, leg.sampleRate, candidates);
      },
    };
  }

  /** Registers `phone` (or a bare contact URI) as a contact of `user` straight in the PBX's RegistryService. */
  async register(user: string, phone: Phone | { readonly name: string; readonly contact: string; readonly port: number }): Promise<void> {
    const registry = this.pbx.get<RegistryServiceType>(RegistryService);
    const result = await registry.register({
      aor: `sip:${user}@${DOMAIN}`, contact: phone.contact, expiresSeconds: 600, callId: `reg-${phone.name}-${user}`, cseq: 1,
      source: { transport: 'udp', address: '127.0.0.1', port: phone.port },
    });
    if (!result.ok) throw new Error(`registering ${phone.contact} for ${user} failed: ${result.code} ${result.reason}`);
  }

  reach(state: CallState, id?: SessionId): Promise<SessionStateChange> {
    return reachOn(this.pbxSessions, state, id);
  }

  async stop(): Promise<void> {
    await Promise.all(this.kernels.map((k) => k.stop()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
