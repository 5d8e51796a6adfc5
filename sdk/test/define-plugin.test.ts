import { expect } from 'chai';
import { ContainerModule, definePlugin, defineConfig, isPluginDefinition, isRvoipError, SessionManager } from '@rvoip/sdk';

describe('sdk/definePlugin', () => {
  const module = new ContainerModule(() => undefined);

  it('returns a frozen plugin definition the kernel recognises', () => {
    const plugin = definePlugin({ id: 'call-billing', version: '1.2.0', rvoip: '^0.1.0', module });
    expect(isPluginDefinition(plugin)).to.equal(true);
    expect(plugin.id).to.equal('call-billing');
    expect(plugin.module).to.equal(module);
    expect(Object.isFrozen(plugin)).to.equal(true);
  });

  it('reports every invalid field at once, naming the plugin', () => {
    let caught: unknown;
    try {
      definePlugin({ id: 'Bad_Id', version: '1.x', rvoip: ' ', dependsOn: ['OK'], module: 42 as unknown as ContainerModule });
    } catch (err) {
      caught = err;
    }
    expect(isRvoipError(caught, 'RVOIP_ERR_SDK_PLUGIN_INVALID')).to.equal(true);
    const message = (caught as Error).message;
    expect(message).to.contain('plugin "Bad_Id"');
    for (const field of ['id:', 'version:', 'rvoip:', 'dependsOn:', 'module:']) expect(message).to.contain(field);
  });

  it('re-exports contracts and keeps defineConfig a typed identity', () => {
    const config = { sip: { domain: 'example.com' } };
    expect(defineConfig(config)).to.equal(config);
    expect(SessionManager).to.equal(Symbol.for('rvoip.session.SessionManager'));
  });
});

describe('sdk/definePlugin with a module factory', () => {
  it('accepts a factory function as module', () => {
    const factory = (): ContainerModule => new ContainerModule(() => undefined);
    expect(definePlugin({ id: 'factory-plugin', version: '0.1.0', rvoip: '*', module: factory }).module).to.equal(factory);
  });
});
