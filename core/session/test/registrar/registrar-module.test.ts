/**
 * registrarModule inside a real Kernel: config file -> sip + storage + registrar
 * lifecycles in dependsOn order -> a UAC registers with digest over UDP -> the kernel's
 * RegistryService sees the binding; stop() detaches and closes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RegistryService } from '@rvoip/contracts';
import type { RegistrationChange, RegistryService as RegistryServiceType } from '@rvoip/contracts';
import { Kernel } from '@rvoip/kernel';
import { SipStack, SipStackHost, sipModule } from '@rvoip/sip';
import type { SipStackHost as SipStackHostType } from '@rvoip/sip';
import { registrarModule } from '@rvoip/session';

describe('session/registrar registrarModule in the kernel', function () {
  this.timeout(30_000);
  let dir: string;
  let kernel: Kernel | undefined;
  let client: SipStack | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rvoip-registrar-'));
  });
  after(async () => {
    await client?.close();
    await kernel?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves digest REGISTERs for the configured users once sip and storage are up', async () => {
    const configPath = join(dir, 'rvoip.config.json');
    writeFileSync(configPath, JSON.stringify({
      sip: { listen: ['udp://127.0.0.1:0'], domain: 'pbx.test' },
      storage: { adapter: 'memory' },
      registrar: { auth: 'digest', users: [{ username: '1001', password: 's3cret' }] },
      log: { level: 'silent' },
    }));
    kernel = await Kernel.create({ configPath, env: {}, coreModules: [sipModule, registrarModule] });
    const started = await kernel.start();
    const order = started.services.map((s) => s.name);
    expect(order.indexOf('registrar')).to.be.greaterThan(order.indexOf('sip'));
    expect(order.indexOf('registrar')).to.be.greaterThan(order.indexOf('storage'));
    expect(started.services.find((s) => s.name === 'registrar')!.status).to.equal('started');

    const registry = kernel.get<RegistryServiceType>(RegistryService);
    const changes: RegistrationChange[] = [];
    registry.onChange((c) => changes.push(c));
    const port = kernel.get<SipStackHostType>(SipStackHost).stack.listeningPoints()[0]!.port;
    client = await SipStack.create({ listen: ['udp://127.0.0.1:0'], domain: 'ua.test' });
    const reg = await client.register({
      registrar: `sip:127.0.0.1:${port}`,
      aor: 'sip:1001@pbx.test',
      credentials: { username: '1001', password: 's3cret' },
      expires: 300,
    });
    expect(reg.registered).to.equal(true);
    const bindings = await registry.lookup('sip:1001@pbx.test');
    expect(bindings).to.have.length(1);
    expect(changes.map((c) => c.kind)).to.deep.equal(['added']);
    const denied = await client.register({
      registrar: `sip:127.0.0.1:${port}`, aor: 'sip:1001@pbx.test', credentials: { username: '1001', password: 'guess' },
    }).then(() => 'registered', (e: Error) => e.message);
    expect(denied).to.match(/403/);
  });
});
