import { expect } from 'chai';
import { DtmfReceiver } from '../../src/dtmf/dtmf-receiver.js';
import type { EndedDigit } from '../../src/dtmf/dtmf-receiver.js';
import { DtmfSender } from '../../src/dtmf/dtmf-sender.js';
import type { DtmfPacket } from '../../src/dtmf/dtmf-sender.js';

function collect(): { rx: DtmfReceiver; digits: string[]; ends: EndedDigit[] } {
  const digits: string[] = [];
  const ends: EndedDigit[] = [];
  const rx = new DtmfReceiver({ onDigit: (d) => digits.push(d.digit), onEnd: (d) => ends.push(d) });
  return { rx, digits, ends };
}

function feedAll(rx: DtmfReceiver, packets: DtmfPacket[]): void {
  packets.forEach((p, i) => rx.feed(p.payload, p.timestamp, 100 + i));
}

describe('DtmfReceiver', () => {
  const sender = new DtmfSender({ durationMs: 120, updateMs: 40 });

  it('reports each digit of a string once, with its duration at the end', () => {
    const { rx, digits, ends } = collect();
    feedAll(rx, [...sender.packets('1234567890*#ABCD', 160)]);
    expect(digits.join('')).to.equal('1234567890*#ABCD');
    expect(ends.map((e) => e.digit).join('')).to.equal('1234567890*#ABCD');
    expect(ends[0].durationMs).to.equal(120);
  });

  it('does not repeat a digit for retransmitted end packets or duplicated packets', () => {
    const { rx, digits, ends } = collect();
    const packets = [...sender.packets('55', 0)];
    feedAll(rx, [...packets, ...packets.filter((p) => p.end), ...packets]);
    expect(digits).to.deep.equal(['5', '5']); // two presses of the same key
    expect(ends).to.have.length(2);
  });

  it('still reports a digit whose start packets were lost, or whose end packets were all lost', () => {
    const { rx, digits, ends } = collect();
    const packets = [...sender.packets('78', 0)];
    const noStartOf7 = packets.filter((p) => !(p.digit === '7' && !p.end));
    const noEndOf8 = noStartOf7.filter((p) => !(p.digit === '8' && p.end));
    feedAll(rx, noEndOf8);
    expect(digits).to.deep.equal(['7', '8']);
    expect(ends.map((e) => e.digit)).to.deep.equal(['7']);
    rx.flush(); // the stream stopped: 8 will never get an end packet
    expect(ends.map((e) => [e.digit, e.endSeen, e.durationMs])).to.deep.equal([
      ['7', true, 120],
      ['8', false, 120],
    ]);
    rx.flush();
    expect(ends).to.have.length(2);
  });

  it('ends a press whose end packets were all lost when the next press starts', () => {
    const { rx, digits, ends } = collect();
    const packets = [...sender.packets('12', 0)].filter((p) => !(p.digit === '1' && p.end));
    feedAll(rx, packets);
    expect(digits).to.deep.equal(['1', '2']);
    expect(ends.map((e) => [e.digit, e.endSeen])).to.deep.equal([
      ['1', false],
      ['2', true],
    ]);
    // The E packets of 1 turning up late change nothing.
    for (const p of [...sender.packets('12', 0)].filter((q) => q.digit === '1' && q.end)) rx.feed(p.payload, p.timestamp);
    expect(ends).to.have.length(2);
  });

  it('reports reordered packets once and keeps the longest duration', () => {
    const { rx, digits, ends } = collect();
    const packets = [...sender.packets('3', 0)].reverse();
    const fresh = packets.map((p, i) => rx.feed(p.payload, p.timestamp, 200 - i));
    expect(fresh.filter(Boolean)).to.have.length(1);
    expect(digits).to.deep.equal(['3']);
    expect(ends[0].duration).to.equal(960);
    expect(rx.lastSequence).to.equal(200 - (packets.length - 1));
  });

  it('treats the segments of an event longer than 65535 timestamp units as one key press', () => {
    const { rx, digits, ends } = collect();
    const pkt = (end: boolean, duration: number): Buffer => Buffer.from([1, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff]);
    rx.feed(pkt(false, 32000), 1000, 1);
    rx.feed(pkt(false, 0xffff), 1000, 2);
    rx.feed(pkt(false, 8000), 1000 + 0xffff, 3); // second segment, new timestamp
    rx.feed(pkt(true, 16000), 1000 + 0xffff, 4);
    rx.feed(pkt(false, 800), 1000 + 0xffff + 40000, 5); // a new press of the same key
    expect(digits).to.deep.equal(['1', '1']);
    expect(ends).to.have.length(1);
    expect(ends[0].duration).to.equal(0xffff + 16000);
  });
});
