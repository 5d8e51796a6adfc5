import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WavReader, toMono } from '../../src/wav/wav-reader.js';
import { WavWriter } from '../../src/wav/wav-writer.js';
import { WavPlayer } from '../../src/wav/wav-player.js';
import { ToneGenerator } from '../../src/dsp/tone-generator.js';
import { peakFrequency } from '../../src/dsp/goertzel.js';
import { rms } from '../../src/dsp/levels.js';

function requireSox(): void {
  try {
    execFileSync('sh', ['-c', 'command -v sox']);
  } catch {
    throw new Error('sox is not on PATH: install the Debian package sox (CI does)');
  }
}

describe('WAV', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rvoip-wav-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes mono PCM16 in chunks and reads back the identical samples', async () => {
    const file = join(dir, 'mono.wav');
    const gen = new ToneGenerator(16000, { frequencies: [440], amplitude: 12000 });
    const written: Int16Array[] = [];
    const w = await WavWriter.create(file, { sampleRate: 16000 });
    for (let i = 0; i < 50; i++) {
      const f = gen.next(320);
      written.push(f);
      w.write(f);
    }
    expect(w.durationMs).to.equal(1000);
    await w.close();
    const wav = WavReader.read(file);
    expect(wav).to.include({ sampleRate: 16000, channels: 1, encoding: 'pcm16' });
    expect(wav.samples).to.deep.equal(Int16Array.from(written.flatMap((f) => [...f])));
    expect(statSync(file).size).to.equal(44 + 32000);
  });

  it('writes stereo (one call leg per channel) that sox reads with the right header', async () => {
    requireSox();
    const file = join(dir, 'stereo.wav');
    const w = await WavWriter.create(file, { sampleRate: 8000, channels: 2 });
    const left = new ToneGenerator(8000, { frequencies: [500] });
    const right = new ToneGenerator(8000, { frequencies: [1500] });
    for (let i = 0; i < 25; i++) w.writeStereo(left.next(160), right.next(160));
    await w.close();
    const info = execFileSync('soxi', [file]).toString();
    expect(info).to.match(/Channels\s*:\s*2/).and.match(/Sample Rate\s*:\s*8000/).and.match(/Duration\s*:\s*00:00:00\.50 = 4000 samples/);
    const wav = WavReader.read(file);
    const l = wav.samples.filter((_, i) => i % 2 === 0);
    const r = wav.samples.filter((_, i) => i % 2 === 1);
    expect(peakFrequency(l, 8000)).to.equal(500);
    expect(peakFrequency(r, 8000)).to.equal(1500);
    expect(peakFrequency(toMono(wav.samples, 2), 8000, 400, 600)).to.equal(500);
  });

  it('leaves a readable file (streaming sizes) if the writer is never closed', async () => {
    const file = join(dir, 'crash.wav');
    const w = await WavWriter.create(file, { sampleRate: 8000 });
    w.write(ToneGenerator.render(8000, { frequencies: [1000] }, 100));
    // Simulate a crash: wait for the queued write but skip close().
    await new Promise((resolve) => setTimeout(resolve, 50));
    const wav = WavReader.parse(readFileSync(file), file);
    expect(wav.samples.length).to.equal(800);
    await w.close();
  });

  for (const [encoding, soxArgs] of [
    ['pcm8', ['-b', '8', '-e', 'unsigned-integer']],
    ['mulaw', ['-b', '8', '-e', 'u-law']],
    ['alaw', ['-b', '8', '-e', 'a-law']],
    ['pcm24', ['-b', '24', '-e', 'signed-integer']],
    ['float32', ['-b', '32', '-e', 'floating-point']],
  ] as const) {
    it(`reads a ${encoding} file made by sox exactly as sox decodes it`, () => {
      requireSox();
      const file = join(dir, `${encoding}.wav`);
      const raw = join(dir, `${encoding}.raw`);
      execFileSync('sox', ['-D', '-n', '-r', '8000', '-c', '1', ...soxArgs, file, 'synth', '0.5', 'sine', '1000', 'vol', '0.5']);
      execFileSync('sox', ['-D', file, '-t', 'raw', '-e', 'signed-integer', '-b', '16', raw]);
      const wav = WavReader.read(file);
      expect(wav).to.include({ sampleRate: 8000, channels: 1, encoding });
      const ref = readFileSync(raw);
      const expected = new Int16Array(ref.buffer, ref.byteOffset, ref.length / 2);
      expect(wav.samples.length).to.equal(expected.length);
      // Lossless conversions agree to the sample; 24/32-bit differ only by rounding.
      for (let i = 0; i < expected.length; i++) expect(Math.abs(wav.samples[i] - expected[i])).to.be.at.most(1);
      expect(peakFrequency(wav.samples, 8000)).to.equal(1000);
    });
  }

  it('plays a 44.1 kHz stereo file into an 8 kHz session frame by frame', () => {
    requireSox();
    const file = join(dir, 'cd.wav');
    execFileSync('sox', ['-D', '-n', '-r', '44100', '-c', '2', '-b', '16', file, 'synth', '1', 'sine', '697', 'vol', '0.5']);
    const player = new WavPlayer(file, { sampleRate: 8000 });
    expect(player.durationMs).to.equal(1000);
    const frames: Int16Array[] = [];
    for (let f = player.next(); f; f = player.next()) frames.push(f);
    expect(frames).to.have.length(50);
    expect(frames.every((f) => f.length === 160)).to.equal(true);
    const pcm = Int16Array.from(frames.flatMap((f) => [...f]));
    expect(peakFrequency(pcm.subarray(400), 8000, 600, 800, 1)).to.equal(697);
    const expected = ToneGenerator.render(8000, { frequencies: [697], amplitude: 16384 }, 1000);
    expect(rms(pcm.subarray(400, 7600))).to.be.closeTo(rms(expected), 200);
  });

  it('loops when asked, and converts a mu-law 8 kHz prompt for a 48 kHz Opus session', () => {
    requireSox();
    const file = join(dir, 'prompt.wav');
    execFileSync('sox', ['-D', '-n', '-r', '8000', '-c', '1', '-e', 'u-law', file, 'synth', '0.1', 'sine', '440']);
    const player = new WavPlayer(file, { sampleRate: 48000, loop: true });
    const frames = Array.from({ length: 12 }, () => player.next());
    expect(frames.every((f) => f?.length === 960)).to.equal(true);
    expect(peakFrequency(frames[2] ?? new Int16Array(0), 48000, 300, 600, 1)).to.equal(440);
    // 12 frames of 20 ms outlast the 100 ms file: frames after the wrap still carry the tone.
    expect(rms(frames[7] ?? new Int16Array(0))).to.be.greaterThan(10000);
    expect(new WavPlayer(file, { sampleRate: 48000 }).durationMs).to.equal(100);
  });

  it('reports an unwritable path and misuse with coded errors', async () => {
    let caught: unknown;
    try {
      await WavWriter.create(join(dir, 'missing', 'x.wav'), { sampleRate: 8000 });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.have.property('code', 'RVOIP_ERR_MEDIA_WAV_OPEN');
    expect(String((caught as Error).message)).to.contain('missing');
    const w = await WavWriter.create(join(dir, 'ok.wav'), { sampleRate: 8000, channels: 2 });
    expect(() => w.write(new Int16Array(3))).to.throw().with.property('code', 'RVOIP_ERR_MEDIA_WAV_FRAME');
    await w.close();
    expect(() => w.write(new Int16Array(2))).to.throw().with.property('code', 'RVOIP_ERR_MEDIA_WAV_CLOSED');
  });

  it('rejects files that are not WAV or use unsupported encodings, naming the file', () => {
    const bad = join(dir, 'bad.wav');
    writeFileSync(bad, 'hello world, not a wav');
    expect(() => WavReader.read(bad)).to.throw(/bad\.wav: not a RIFF\/WAVE file/).with.property('code', 'RVOIP_ERR_MEDIA_WAV_FORMAT');
    expect(() => WavReader.read(join(dir, 'nope.wav'))).to.throw(/nope\.wav/).with.property('code', 'RVOIP_ERR_MEDIA_WAV_READ');
    const adpcm = Buffer.from(new Uint8Array(48));
    adpcm.write('RIFF', 0, 'ascii');
    adpcm.write('WAVE', 8, 'ascii');
    adpcm.write('fmt ', 12, 'ascii');
    adpcm.writeUInt32LE(16, 16);
    adpcm.writeUInt16LE(2, 20); // MS ADPCM
    adpcm.writeUInt16LE(1, 22);
    adpcm.writeUInt32LE(8000, 24);
    adpcm.writeUInt16LE(4, 34);
    adpcm.write('data', 36, 'ascii');
    adpcm.writeUInt32LE(4, 40);
    expect(() => WavReader.parse(adpcm, 'adpcm.wav')).to.throw(/unsupported encoding \(format tag 2, 4 bits\)/);
  });
});
