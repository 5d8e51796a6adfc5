import { expect } from 'chai';
import type { SessionInfo, StateActionAdapter } from '@rvoip/contracts';
import { isRvoipError } from '@rvoip/contracts';
import { loadStateTable } from '../../src/state/state-table-loader.js';
import { StateMachine } from '../../src/state/state-machine.js';
import { CALL_STATES } from '../../src/state/vocabulary.js';

const adapter = (names: string[]): StateActionAdapter => ({
  canHandle: (n) => names.includes(n),
  execute: async (_a: string, _s: SessionInfo) => undefined,
});

function loadError(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected the load to fail');
}

describe('state table loading', () => {
  it('loads the default table, which covers every required state', () => {
    const table = loadStateTable();
    const reached = new Set<string>(table.transitions.flatMap((t) => [t.from, t.to]));
    for (const s of CALL_STATES) expect(reached.has(s), s).to.equal(true);
  });

  it('rejects a document that does not match the schema, naming each problem', () => {
    const err = loadError(() => loadStateTable({ base: { yaml: 'transitions:\n  - { from: nowhere, on: dial }\n' } }));
    expect(isRvoipError(err, 'RVOIP_ERR_SESSION_STATE_TABLE_INVALID')).to.equal(true);
    expect(err.message).to.contain('transitions[0]');
    expect(err.message).to.contain("must have required property 'to'");
  });

  it('rejects invalid YAML with its source label', () => {
    const err = loadError(() => loadStateTable({ base: { yaml: 'transitions: [ {' } }));
    expect(err.message).to.contain('not valid YAML');
  });

  it('rejects unknown events and unknown actions at load', () => {
    const yaml = 'transitions:\n  - { from: idle, on: teleport, to: active, actions: [beam-up] }\n';
    const err = loadError(() => loadStateTable({ base: { yaml } }));
    expect(err.message).to.contain("unknown event 'teleport'");
    expect(err.message).to.contain("unknown action 'beam-up'");
  });

  it('accepts actions handled by a StateActionAdapter and events declared under events:', () => {
    const yaml = 'events: [menu-done]\ntransitions:\n  - { from: active, on: menu-done, to: active, actions: [{ name: play-menu, params: { file: a.wav } }] }\n';
    const table = loadStateTable({ extend: [{ yaml }], adapters: [adapter(['play-menu'])] });
    const m = new StateMachine(table);
    expect(m.next('active', 'menu-done')?.actions).to.deep.equal([{ name: 'play-menu', params: { file: 'a.wav' } }]);
    expect(() => loadStateTable({ extend: [{ yaml }] })).to.throw(/unknown action 'play-menu'/);
  });

  it('lets an extension override a transition with the same from and event', () => {
    const yaml = 'transitions:\n  - { from: active, on: hold, to: on-hold, actions: [stop-media] }\n';
    const m = new StateMachine(loadStateTable({ extend: [{ yaml }] }));
    expect(m.next('active', 'hold')?.actions).to.deep.equal([{ name: 'stop-media' }]);
  });

  it('can replace the table entirely', () => {
    const yaml = 'transitions:\n  - { from: idle, on: incoming, to: active }\n';
    const m = new StateMachine(loadStateTable({ base: { yaml } }));
    expect(m.can('idle', 'dial')).to.equal(false);
    expect(m.next('idle', 'incoming')?.to).to.equal('active');
  });
});

describe('StateMachine', () => {
  const m = new StateMachine(loadStateTable());

  it('walks an outbound call through ringing, answer, hold, resume and hangup', () => {
    const path: Array<[string, string]> = [
      ['dial', 'calling'], ['provisional', 'ringing'], ['answered', 'active'], ['hold', 'on-hold'],
      ['resume', 'resuming'], ['resumed', 'active'], ['hangup', 'terminating'], ['bye-done', 'terminated'],
    ];
    let state = 'idle' as Parameters<StateMachine['next']>[0];
    for (const [event, to] of path) {
      const r = m.next(state, event);
      expect(r?.to, `${state} --${event}`).to.equal(to);
      state = r!.to;
    }
  });

  it('walks an inbound call with early media and a remote cancel', () => {
    expect(m.next('idle', 'incoming')?.to).to.equal('ringing');
    expect(m.next('ringing', 'early-media')?.to).to.equal('early-media');
    expect(m.next('early-media', 'remote-cancel')?.to).to.equal('terminated');
  });

  it('refuses commands that make no sense in the current state', () => {
    expect(m.can('ringing', 'hold')).to.equal(false);
    expect(m.can('idle', 'hangup')).to.equal(false);
    expect(m.eventsFrom('on-hold')).to.include.members(['resume', 'hangup', 'transfer']);
  });

  it("applies '*' to live states only, never to terminal ones", () => {
    expect(m.next('active', 'error')?.to).to.equal('failed');
    expect(m.next('terminated', 'error')).to.equal(undefined);
    expect(m.next('failed', 'error')).to.equal(undefined);
  });
});
