import { expect } from 'chai';
import { SessionRegistry } from '../../src/registry/session-registry.js';
import { newRecord } from '../../src/call/new-session.js';
import type { UaDialog } from '../../src/ports.js';
import { FakeLeg } from '../helpers/fake-media.js';

const dialog = (id: string): UaDialog => ({ id } as unknown as UaDialog);

describe('SessionRegistry', () => {
  it('maps session <-> dialog <-> media both ways and by Call-ID, and forgets everything on remove', () => {
    const reg = new SessionRegistry();
    const r = newRecord('outbound', { uri: 'sip:a@x' }, { uri: 'sip:b@y' }, '');
    reg.add(r);
    reg.setCallId(r.id, 'call-1');
    const d = dialog('call-1;l;r');
    const leg = new FakeLeg();
    reg.attachDialog(r.id, d);
    reg.attachMedia(r.id, leg);
    expect(reg.byCall('call-1')).to.equal(r);
    expect(reg.byDialog('call-1;l;r')).to.equal(r);
    expect(reg.dialogOf(r.id)).to.equal(d);
    expect(reg.mediaOf(r.id)).to.equal(leg);
    expect(reg.byMedia(leg)).to.equal(r);
    reg.remove(r.id);
    expect(Object.values(reg.sizes()).every((n) => n === 0)).to.equal(true);
    expect(reg.byDialog('call-1;l;r')).to.equal(undefined);
    expect(reg.byMedia(leg)).to.equal(undefined);
  });

  it('re-attaching a dialog or leg drops the old reverse mapping', () => {
    const reg = new SessionRegistry();
    const r = newRecord('inbound', { uri: 'sip:a@x' }, { uri: 'sip:b@y' }, 'c');
    reg.add(r);
    const early = dialog('c;l;r1');
    const confirmed = dialog('c;l;r2');
    reg.attachDialog(r.id, early);
    reg.attachDialog(r.id, confirmed);
    expect(reg.byDialog('c;l;r1')).to.equal(undefined);
    expect(reg.byDialog('c;l;r2')).to.equal(r);
    const a = new FakeLeg();
    const b = new FakeLeg();
    reg.attachMedia(r.id, a);
    reg.attachMedia(r.id, b);
    expect(reg.byMedia(a)).to.equal(undefined);
    expect(reg.sizes()).to.include({ dialogIndex: 1, mediaIndex: 1 });
  });
});
