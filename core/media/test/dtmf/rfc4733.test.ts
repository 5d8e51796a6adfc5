import { expect } from 'chai';
import { Rfc4733Decoder, Rfc4733Encoder } from '../../src/dtmf/rfc4733.js';
import { DtmfSender } from '../../src/dtmf/dtmf-sender.js';

describe('RFC 4733 payload', () => {
  // Assembled from the section 2.3 layout: event | E R volume(6) | duration(16, network order).
  const vectors: Array<[string, { event: number; end: boolean; volume: number; duration: number }]> = [
    ['090a0190', { event: 9, end: false, volume: 10, duration: 400 }], // digit 9, 50 ms at 8 kHz
    ['098a0640', { event: 9, end: true, volume: 10, duration: 1600 }], // its end packet, 200 ms
    ['0b0700a0', { event: 11, end: false, volume: 7, duration: 160 }], // '#', 20 ms
    ['00bfffff', { event: 0, end: true, volume: 63, duration: 65535 }], // extremes
    ['10800000', { event: 16, end: true, volume: 0, duration: 0 }], // flash
  ];
  for (const [hex, ev] of vectors) {
    it(`encodes and decodes ${hex}`, () => {
      expect(Rfc4733Encoder.encode(ev).toString('hex')).to.equal(hex);
      expect(new Rfc4733Encoder().encode(ev).toString('hex')).to.equal(hex);
      expect(Rfc4733Decoder.decode(Buffer.from(hex, 'hex'))).to.deep.equal(ev);
    });
  }

  it('ignores the reserved R bit when decoding and never sets it when encoding', () => {
    expect(Rfc4733Decoder.decode(Buffer.from('05ca0320', 'hex'))).to.deep.equal({ event: 5, end: true, volume: 10, duration: 800 });
  });

  it('decodes several event blocks in one payload', () => {
    const p = Buffer.from('098a0640' + '010a0190', 'hex');
    expect(Rfc4733Decoder.decodeAll(p).map((e) => e.event)).to.deep.equal([9, 1]);
  });

  it('rejects short payloads and out-of-range fields with coded errors', () => {
    expect(() => Rfc4733Decoder.decode(Buffer.from('0901', 'hex'))).to.throw().with.property('code', 'RVOIP_ERR_MEDIA_DTMF_PAYLOAD');
    expect(() => Rfc4733Encoder.encode({ event: 1, end: false, volume: 64, duration: 0 })).to.throw().with.property('code', 'RVOIP_ERR_MEDIA_DTMF_VOLUME');
    expect(() => Rfc4733Encoder.encode({ event: 1, end: false, volume: 1, duration: 70000 })).to.throw().with.property('code', 'RVOIP_ERR_MEDIA_DTMF_DURATION');
    expect(() => Rfc4733Encoder.encode({ event: 256, end: false, volume: 1, duration: 0 })).to.throw().with.property('code', 'RVOIP_ERR_MEDIA_DTMF_EVENT');
  });
});

describe('DtmfSender', () => {
  it('sends one digit as marker start, 50 ms updates, and three identical end packets', () => {
    const packets = [...new DtmfSender({ durationMs: 200, updateMs: 50 }).packets('9', 1000)];
    const rows = packets.map((p) => {
      const ev = Rfc4733Decoder.decode(p.payload);
      return [p.delayMs, p.marker, p.timestamp, ev.event, ev.end, ev.duration];
    });
    expect(rows).to.deep.equal([
      [0, true, 1000, 9, false, 400],
      [50, false, 1000, 9, false, 800],
      [50, false, 1000, 9, false, 1200],
      [50, false, 1000, 9, false, 1600],
      [50, false, 1000, 9, true, 1600],
      [50, false, 1000, 9, true, 1600],
      [50, false, 1000, 9, true, 1600],
    ]);
    const ends = packets.filter((p) => p.end);
    expect(ends).to.have.length(3);
    expect(new Set(ends.map((p) => p.payload.toString('hex'))).size).to.equal(1);
  });

  it('gives each digit of a string its own start timestamp, after the previous one finished', () => {
    const sender = new DtmfSender({ durationMs: 100, gapMs: 70, updateMs: 50 });
    const packets = [...sender.packets('1#', 0)];
    const starts = packets.filter((p) => p.marker);
    expect(starts.map((p) => p.digit)).to.deep.equal(['1', '#']);
    // '1': updates at 0 and 50 ms, end at 100, 150, 200 ms; '#' starts at 250 ms (after the
    // last retransmission + one interval), i.e. timestamp 2000 at 8 kHz.
    expect(starts[1].timestamp).to.equal(2000);
    expect(packets.filter((p) => p.digit === '1' && p.end)).to.have.length(3);
    expect(packets.filter((p) => p.digit === '#' && p.end)).to.have.length(3);
    let t = 0;
    for (const p of packets) {
      t += p.delayMs;
      if (p.digit === '#' && p.marker) expect(t).to.equal(250);
    }
    expect(sender.durationOf('1#')).to.equal(450);
  });

  it('wraps the timestamp at 32 bits and rejects invalid digits before sending anything', () => {
    const first = new DtmfSender().packets('5', 0xffffffff).next();
    expect(first.value?.timestamp).to.equal(0xffffffff);
    expect(() => [...new DtmfSender().packets('12x')]).to.throw().with.property('code', 'RVOIP_ERR_MEDIA_DTMF_DIGIT');
    expect(() => new DtmfSender({ durationMs: 20 })).to.throw().with.property('code', 'RVOIP_ERR_MEDIA_DTMF_DURATION');
  });
});
