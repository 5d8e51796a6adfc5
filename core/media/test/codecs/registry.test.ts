import { expect } from 'chai';
import { codecRegistry, CodecRegistry } from '../../src/codecs/registry.js';

describe('codecRegistry', () => {
  it('finds pcmu, pcma, g722 and opus by lower-case name, case-insensitively', () => {
    expect(codecRegistry.list().map((c) => c.name)).to.have.members(['pcmu', 'pcma', 'g722', 'opus']);
    expect(codecRegistry.get('PCMU')?.payloadType).to.equal(0);
    expect(codecRegistry.get('pcma')?.payloadType).to.equal(8);
    expect(codecRegistry.get('G722')?.payloadType).to.equal(9);
    expect(codecRegistry.byStaticPayloadType(9)?.name).to.equal('g722');
    expect(codecRegistry.get('nope')).to.equal(undefined);
  });

  it('describes telephone-event with payload type 101 at 8 kHz', () => {
    expect(codecRegistry.telephoneEvent).to.include({ name: 'telephone-event', clockRate: 8000, payloadType: 101 });
  });

  it('throws a coded error for an unknown codec on require', () => {
    expect(() => new CodecRegistry().require('speex')).to.throw(/unknown codec "speex"/).with.property('code', 'RVOIP_ERR_MEDIA_CODEC_UNKNOWN');
  });
});
