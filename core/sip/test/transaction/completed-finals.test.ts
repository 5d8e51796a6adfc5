import { expect } from 'chai';
import { CompletedFinals } from '../../src/transaction/completed-finals.js';
import type { TransactionSource } from '../../src/transaction/transport.js';
import { VirtualClock } from './helpers.js';

const J = 32_000;
const G = 125;

function wireOf(i: number): Buffer {
  return Buffer.from(`SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-${i}\r\nCall-ID: ${i}@x\r\nContent-Length: 0\r\n\r\n`);
}

const SOURCE: TransactionSource = { protocol: 'udp', remoteAddress: '10.0.0.1', remotePort: 5070, localAddress: '10.0.0.2', localPort: 5060 };

describe('sip/transaction CompletedFinals (finals kept as bytes for Timer J)', () => {
  it('gives back the wire bytes, the source and both keys of an entry', () => {
    const finals = new CompletedFinals(new VirtualClock(), J, G);
    expect(finals.add('z9hG4bK-1|10.0.0.1:5060|REGISTER', 'tag1|1@x|1|REGISTER', wireOf(1), SOURCE)).to.equal(true);
    const done = finals.get('z9hG4bK-1|10.0.0.1:5060|REGISTER');
    expect(done).to.not.equal(undefined);
    expect(done!.wire.equals(wireOf(1))).to.equal(true);
    expect(done!.source).to.deep.equal(SOURCE);
    expect(done!.key).to.equal('z9hG4bK-1|10.0.0.1:5060|REGISTER');
    expect(done!.mergeKey).to.equal('tag1|1@x|1|REGISTER');
    expect(finals.getMerged('tag1|1@x|1|REGISTER')!.key).to.equal('z9hG4bK-1|10.0.0.1:5060|REGISTER');
    expect(finals.size).to.equal(1);
  });

  it('keeps a source without local address or port as it was, and an entry without merge key', () => {
    const finals = new CompletedFinals(new VirtualClock(), J, G);
    const bare: TransactionSource = { protocol: 'udp', remoteAddress: '::1', remotePort: 65535 };
    finals.add('k', undefined, wireOf(2), bare);
    expect(finals.get('k')!.source).to.deep.equal(bare);
    expect(finals.get('k')!.mergeKey).to.equal(undefined);
    expect(finals.getMerged('k')).to.equal(undefined);
  });

  it('misses unknown keys, and keys that differ only slightly', () => {
    const finals = new CompletedFinals(new VirtualClock(), J, G);
    finals.add('z9hG4bK-abc|h:5060|OPTIONS', undefined, wireOf(3), SOURCE);
    expect(finals.get('z9hG4bK-abd|h:5060|OPTIONS')).to.equal(undefined);
    expect(finals.get('z9hG4bK-abc|h:5060|OPTION')).to.equal(undefined);
    expect(finals.get('')).to.equal(undefined);
  });

  it('answers a key with its latest final, a merge key with its first request', () => {
    const finals = new CompletedFinals(new VirtualClock(), J, G);
    finals.add('k', 'm', wireOf(1), SOURCE);
    finals.add('k', 'm', wireOf(2), SOURCE);
    finals.add('k2', 'm', wireOf(3), SOURCE);
    expect(finals.get('k')!.wire.equals(wireOf(2))).to.equal(true);
    expect(finals.getMerged('m')!.key).to.equal('k');
  });

  it('round-trips non-ASCII keys and addresses byte for byte', () => {
    const finals = new CompletedFinals(new VirtualClock(), J, G);
    const key = 'z9hG4bK-ü€𝄞|hôst:5060|MESSAGE';
    finals.add(key, 'tåg|id|1|MESSAGE', wireOf(4), { protocol: 'udp', remoteAddress: 'ä.example', remotePort: 1 });
    expect(finals.get(key)!.source.remoteAddress).to.equal('ä.example');
    expect(finals.getMerged('tåg|id|1|MESSAGE')!.key).to.equal(key);
  });

  it('refuses keys and addresses too long for their fields instead of corrupting the store', () => {
    const finals = new CompletedFinals(new VirtualClock(), J, G);
    expect(finals.add('x'.repeat(70_000), undefined, wireOf(5), SOURCE)).to.equal(false);
    expect(finals.add('k', 'm'.repeat(70_000), wireOf(5), SOURCE)).to.equal(false);
    expect(finals.add('k', undefined, wireOf(5), { ...SOURCE, remoteAddress: 'h'.repeat(300) })).to.equal(false);
    expect(finals.size).to.equal(0);
    expect(finals.add('k', undefined, wireOf(5), SOURCE)).to.equal(true);
    expect(finals.get('k')!.wire.equals(wireOf(5))).to.equal(true);
  });

  it('forgets an entry between J and J plus the granularity, never before', async () => {
    const clock = new VirtualClock();
    const finals = new CompletedFinals(clock, J, G);
    finals.add('k', 'm', wireOf(6), SOURCE);
    await clock.advance(J);
    expect(finals.get('k')).to.not.equal(undefined);
    await clock.advance(G);
    expect(finals.get('k')).to.equal(undefined);
    expect(finals.getMerged('m')).to.equal(undefined);
    expect(finals.size).to.equal(0);
  });

  it('finds every live entry and none of the expired ones across many segments, tombstones and table rebuilds', async () => {
    const clock = new VirtualClock();
    const finals = new CompletedFinals(clock, 200, 10);
    // 60 rounds of 500 entries, 10 ms apart: about 20 segments live at a time, each round expiring an older one.
    for (let round = 0; round < 60; round++) {
      for (let k = 0; k < 500; k++) {
        const i = round * 500 + k;
        expect(finals.add(`key-${i}`, `merge-${i}`, wireOf(i), SOURCE)).to.equal(true);
      }
      await clock.advance(10);
    }
    let live = 0;
    for (let i = 0; i < 60 * 500; i++) {
      const done = finals.get(`key-${i}`);
      if (done === undefined) continue;
      live++;
      expect(done.wire.equals(wireOf(i)), `entry ${i}`).to.equal(true);
      expect(finals.getMerged(`merge-${i}`)!.key).to.equal(`key-${i}`);
    }
    // Lifetime 200 ms plus up to one granularity: the last 20 or 21 rounds.
    expect(live).to.equal(finals.size);
    expect(live).to.be.within(20 * 500, 21 * 500);
    // The oldest rounds are gone, the newest are all there.
    expect(finals.get('key-0')).to.equal(undefined);
    for (let i = 59 * 500; i < 60 * 500; i++) expect(finals.get(`key-${i}`)).to.not.equal(undefined);
  });

  it('clear drops everything and later entries still work', () => {
    const finals = new CompletedFinals(new VirtualClock(), J, G);
    for (let i = 0; i < 100; i++) finals.add(`k${i}`, `m${i}`, wireOf(i), SOURCE);
    finals.clear();
    expect(finals.size).to.equal(0);
    expect(finals.get('k1')).to.equal(undefined);
    finals.add('k1', 'm1', wireOf(7), SOURCE);
    expect(finals.get('k1')!.wire.equals(wireOf(7))).to.equal(true);
  });
});
