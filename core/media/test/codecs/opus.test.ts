import { expect } from 'chai';
import { opus, createOpusCodec } from '../../src/codecs/opus.js';
import { ToneGenerator } from '../../src/dsp/tone-generator.js';
import { rms, snrDb } from '../../src/dsp/levels.js';
import { goertzelPower, peakFrequency } from '../../src/dsp/goertzel.js';
import { OpusWasmEncoder } from '../../src/codecs/opus-wasm.js';

describe('Opus (libopus WebAssembly)', () => {
  it('describes itself as RFC 7587 requires', () => {
    expect(opus.clockRate).to.equal(48000);
    expect(opus.channels).to.equal(2);
    expect(opus.payloadType).to.equal(111);
    expect(opus.fmtp).to.contain('useinbandfec=1');
  });

  it('encodes and decodes 48 kHz 20 ms frames keeping the tone frequency', () => {
    const enc = opus.createEncoder();
    const dec = opus.createDecoder();
    const gen = new ToneGenerator(48000, { frequencies: [1000], amplitude: 10000 });
    const input: Int16Array[] = [];
    const output: Int16Array[] = [];
    for (let i = 0; i < 50; i++) {
      const frame = gen.next(960);
      input.push(frame);
      const packet = enc.encode(frame);
      expect(packet.length).to.be.within(10, 200); // ~32 kbit/s is ~80 octets per 20 ms
      const pcm = dec.decode(packet);
      expect(pcm.length).to.equal(960);
      output.push(pcm);
    }
    const tail = concat(output.slice(10));
    expect(peakFrequency(tail, 48000, 100, 8000, 5)).to.equal(1000);
    // Perceptual codecs do not preserve waveform exactly; a pure tone still comes back clean.
    const ref = concat(input.slice(10));
    expect(snrDb(ref.subarray(0, 9600), tail.subarray(0, 9600 + 960), 960)).to.be.greaterThan(15);
    enc.close?.();
    dec.close?.();
  });

  it('conceals lost packets with libopus PLC of exactly the requested length', () => {
    const enc = opus.createEncoder();
    const dec = opus.createDecoder();
    const gen = new ToneGenerator(48000, { frequencies: [440], amplitude: 10000 });
    for (let i = 0; i < 20; i++) dec.decode(enc.encode(gen.next(960)));
    const plc = dec.conceal(960);
    expect(plc.length).to.equal(960);
    expect(rms(plc)).to.be.greaterThan(1000); // continues the tone rather than muting
    expect(peakFrequency(plc, 48000, 100, 2000, 5)).to.be.closeTo(440, 10);
    expect(dec.conceal(480).length).to.equal(480);
    expect(dec.conceal(1000).length).to.equal(1000); // not a 2.5 ms multiple: trimmed
    // Decoding resumes normally after the gap.
    expect(dec.decode(enc.encode(gen.next(960))).length).to.equal(960);
  });

  it('rebuilds a lost frame from the next packet with in-band FEC, far better than PLC', () => {
    const n = 960;
    const total = n * 60;
    const x = new Int16Array(total);
    for (let i = 0; i < total; i++) {
      const t = i / 48000; // two gliding, amplitude-modulated tones: PLC cannot just repeat them
      x[i] = Math.round(7000 * Math.sin(2 * Math.PI * (200 * t + 400 * t * t)) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 3 * t)) + 3000 * Math.sin(2 * Math.PI * (1200 * t + 300 * t * t)));
    }
    const enc = opus.createEncoder();
    const packets: Buffer[] = [];
    for (let i = 0; i < total; i += n) packets.push(enc.encode(x.subarray(i, i + n)));
    for (const lost of [20, 30, 40]) {
      const plc = opus.createDecoder();
      const fec = opus.createDecoder();
      const clean = opus.createDecoder();
      let byPlc: Int16Array = new Int16Array(0);
      let byFec: Int16Array = new Int16Array(0);
      let ref: Int16Array = new Int16Array(0);
      packets.forEach((p, k) => {
        if (k === lost) {
          byPlc = plc.conceal(n);
          byFec = fec.recover?.(packets[k + 1], n) ?? new Int16Array(0);
          ref = clean.decode(p);
        } else {
          plc.decode(p);
          fec.decode(p);
          clean.decode(p);
        }
      });
      expect(byFec.length).to.equal(n);
      expect(snrDb(ref, byFec), `frame ${lost}`).to.be.greaterThan(snrDb(ref, byPlc) + 5);
    }
  });

  it('decodes what a stereo peer sends (opus/48000/2) and 60 ms frames, down-mixed to mono', () => {
    const peer = new OpusWasmEncoder(48000, 2);
    const dec = opus.createDecoder();
    const left = new ToneGenerator(48000, { frequencies: [700], amplitude: 8000 });
    const right = new ToneGenerator(48000, { frequencies: [1900], amplitude: 8000 });
    let out: Int16Array = new Int16Array(0);
    for (let i = 0; i < 10; i++) {
      const l = left.next(2880);
      const r = right.next(2880);
      const stereo = new Int16Array(5760);
      for (let k = 0; k < 2880; k++) {
        stereo[2 * k] = l[k];
        stereo[2 * k + 1] = r[k];
      }
      out = dec.decode(peer.encode(stereo));
      expect(out.length).to.equal(2880); // one 60 ms frame, mono
    }
    expect(goertzelPower(out, 48000, 700)).to.be.greaterThan(1e6);
    expect(goertzelPower(out, 48000, 1900)).to.be.greaterThan(1e6);
    peer.close();
  });

  it('honours a configured bitrate', () => {
    const low = createOpusCodec({ bitrate: 12000 }).createEncoder();
    const high = createOpusCodec({ bitrate: 64000 }).createEncoder();
    const gen = new ToneGenerator(48000, { frequencies: [300, 2300], amplitude: 8000 });
    let lowBytes = 0;
    let highBytes = 0;
    for (let i = 0; i < 25; i++) {
      const f = gen.next(960);
      lowBytes += low.encode(f).length;
      highBytes += high.encode(f).length;
    }
    expect(lowBytes).to.be.lessThan(highBytes);
  });

  it('accepts a complexity setting and rejects an invalid one with a coded libopus error', () => {
    const fast = createOpusCodec({ complexity: 2 });
    const enc = fast.createEncoder();
    const dec = fast.createDecoder();
    const gen = new ToneGenerator(48000, { frequencies: [1000], amplitude: 8000 });
    let last: Int16Array = new Int16Array(0);
    for (let i = 0; i < 20; i++) last = dec.decode(enc.encode(gen.next(960)));
    expect(peakFrequency(last, 48000, 800, 1200, 5)).to.equal(1000);
    expect(() => createOpusCodec({ complexity: 42 }).createEncoder()).to.throw(/libopus encoder ctl 4010 failed/).with.property('code', 'RVOIP_ERR_MEDIA_OPUS');
  });
});

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
