import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { G722Decoder, G722Encoder } from '../../src/codecs/g722.js';

interface Fixture {
  inputSha256: string;
  codeBase64: string;
  decodedSha256: string;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/g722-spandsp.json', import.meta.url), 'utf8')) as Fixture;

/** The signal the fixture was made from (same formula, integer noise generator). */
function referenceInput(): Int16Array {
  const n = 8000;
  const x = new Int16Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    const t = i / 16000;
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const noise = (s / 0x7fffffff - 0.5) * 2000;
    let v = 9000 * Math.sin(2 * Math.PI * (100 * t + 3450 * t * t)) + noise;
    if (i > 4000 && i < 5000) v *= 2.5;
    if (i > 6000 && i < 6800) v = 0;
    x[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return x;
}

const sha256 = (a: Int16Array | Buffer): string => createHash('sha256').update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

describe('G.722 against an independent implementation (spandsp)', () => {
  it('encodes bit-exactly like spandsp', () => {
    const input = referenceInput();
    expect(sha256(input)).to.equal(fixture.inputSha256);
    const enc = new G722Encoder();
    const parts: Buffer[] = [];
    for (let i = 0; i < input.length; i += 320) parts.push(enc.encode(input.subarray(i, i + 320)));
    expect(Buffer.concat(parts).toString('base64')).to.equal(fixture.codeBase64);
  });

  it('decodes spandsp-encoded G.722 to the same samples spandsp produces', () => {
    const code = Buffer.from(fixture.codeBase64, 'base64');
    const dec = new G722Decoder();
    const out = new Int16Array(code.length * 2);
    for (let i = 0; i < code.length; i += 160) out.set(dec.decode(code.subarray(i, i + 160)), i * 2);
    expect(sha256(out)).to.equal(fixture.decodedSha256);
  });
});
