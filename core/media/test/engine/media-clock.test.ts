import { expect } from 'chai';
import sinon from 'sinon';
import { DEFAULT_BATCH, MAX_CATCH_UP, MediaClock, SLOTS, TICK_MS } from '../../src/engine/media-clock.js';

/** A member recording the media time of each tick and the wall time it ran at. */
class Member {
  readonly ticks: number[] = [];
  readonly ranAt: number[] = [];
  constructor(private readonly log?: Array<{ at: number; member: Member }>) {}
  tick(nowMs: number): void {
    this.ticks.push(nowMs);
    this.ranAt.push(Date.now());
    this.log?.push({ at: Date.now(), member: this });
  }
}

describe('MediaClock (engine clock slots)', () => {
  let fake: sinon.SinonFakeTimers;
  /** The event-loop turns the clock defers its next batches to, run by flush(). */
  let turns: Array<() => void> = [];
  const defer = (fn: () => void): void => void turns.push(fn);
  const flush = (): void => {
    while (turns.length > 0) {
      const run = turns;
      turns = [];
      for (const fn of run) fn();
    }
  };
  const newClock = <T extends { tick(now: number): void }>(opts: { batch?: number; onError?: (m: T, err: unknown) => void } = {}): MediaClock<T> =>
    new MediaClock<T>(opts.onError ?? (() => undefined), { defer, ...(opts.batch ? { batch: opts.batch } : {}) });
  beforeEach(() => {
    fake = sinon.useFakeTimers({ now: 1_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    fake.restore();
    turns = [];
  });

  it('fills 1 ms slots a batch at a time, each member ticking exactly every 20 ms of media time', () => {
    const log: Array<{ at: number; member: Member }> = [];
    const clock = newClock<Member>();
    const members = Array.from({ length: 100 }, () => new Member(log));
    for (const m of members) clock.add(m);
    fake.tick(10 * TICK_MS);
    flush();
    for (const m of members) {
      expect(m.ticks.length).to.be.oneOf([9, 10]);
      for (let i = 1; i < m.ticks.length; i++) expect(m.ticks[i]! - m.ticks[i - 1]!).to.equal(TICK_MS);
      expect(m.ranAt).to.deep.equal(m.ticks);
    }
    // 100 members, a batch of 24 per slot: five slots, so five timer wakeups per period.
    const perMs = new Map<number, number>();
    for (const e of log) perMs.set(e.at, (perMs.get(e.at) ?? 0) + 1);
    expect(Math.max(...perMs.values())).to.equal(DEFAULT_BATCH);
    expect(new Set(members.map((m) => m.ticks[0]! % TICK_MS)).size).to.equal(Math.ceil(100 / DEFAULT_BATCH));
    clock.stop();
  });

  it('shares members out equally once every slot holds a batch', () => {
    const clock = newClock<Member>();
    const members = Array.from({ length: 1000 }, () => new Member());
    for (const m of members) clock.add(m);
    fake.tick(TICK_MS + SLOTS);
    flush();
    const perPhase = new Map<number, number>();
    for (const m of members) perPhase.set(m.ticks[0]! % TICK_MS, (perPhase.get(m.ticks[0]! % TICK_MS) ?? 0) + 1);
    expect([...perPhase.values()]).to.deep.equal(Array.from({ length: SLOTS }, () => 1000 / SLOTS));
    clock.stop();
  });

  it('catches up missed ticks per slot after a stall, keeping media time exact', () => {
    const clock = newClock<Member>();
    const members = Array.from({ length: 3 * DEFAULT_BATCH }, () => new Member());
    for (const m of members) clock.add(m);
    fake.tick(2 * TICK_MS);
    const before = members.map((m) => m.ticks.length);
    // The loop is blocked for 3 periods: the timer fires late, then every slot catches up.
    fake.setSystemTime(Date.now() + 3 * TICK_MS);
    fake.next();
    flush();
    members.forEach((m, i) => {
      expect(m.ticks.length - before[i]!).to.be.within(3, 4);
      for (let k = 1; k < m.ticks.length; k++) expect(m.ticks[k]! - m.ticks[k - 1]!).to.equal(TICK_MS);
    });
    clock.stop();
  });

  it('resynchronises in phase after a stall longer than the catch-up limit', () => {
    const clock = newClock<Member>();
    const members = Array.from({ length: 3 * DEFAULT_BATCH }, () => new Member());
    for (const m of members) clock.add(m);
    fake.tick(TICK_MS + SLOTS);
    const phases = members.map((m) => m.ticks[0]! % TICK_MS);
    const before = members.map((m) => m.ticks.length);
    fake.setSystemTime(Date.now() + 20 * TICK_MS);
    fake.next();
    flush();
    members.forEach((m, i) => expect(m.ticks.length - before[i]!).to.equal(MAX_CATCH_UP));
    fake.tick(3 * TICK_MS);
    members.forEach((m, i) => {
      const last = m.ticks.slice(-3);
      for (const t of last) expect(t % TICK_MS).to.equal(phases[i]);
      expect(last[2]! - last[1]!).to.equal(TICK_MS);
      expect(m.ranAt.at(-1)).to.equal(m.ticks.at(-1));
    });
    clock.stop();
  });

  it('runs a large slot in batches with an event-loop turn between them, at the same media time', () => {
    const log: string[] = [];
    const clock = newClock<{ tick(now: number): void }>({ batch: 2 });
    const seen: number[][] = Array.from({ length: 3 * SLOTS }, () => []);
    for (let i = 0; i < 3 * SLOTS; i++) {
      clock.add({
        tick: (now) => {
          seen[i]!.push(now);
          log.push(`m${i}`);
          // What I/O arriving during the first batch would be: it runs before the next batch.
          if (i === 0) defer(() => log.push('io'));
        },
      });
    }
    fake.tick(TICK_MS);
    flush();
    // Slots fill to a batch (2) in phase order, then the rest go to the least populated:
    // slot 0 holds members 0, 1 and 40.
    expect(log).to.deep.equal(['m0', 'm1', 'io', 'm40']);
    expect(seen[0]).to.deep.equal(seen[40]);
    clock.stop();
  });

  it('keeps ticking the others when one member throws, and reports it', () => {
    const errors: unknown[] = [];
    const clock = newClock<Member | { tick(): void }>({ onError: (_m, err) => errors.push(err) });
    const good = new Member();
    clock.add({ tick: () => { throw new Error('bad payload'); } });
    clock.add(good);
    fake.tick(3 * TICK_MS);
    expect(good.ticks.length).to.be.greaterThan(1);
    expect(errors.length).to.be.greaterThan(1);
    clock.stop();
  });

  it('stops its timer when the last member leaves, and starts again with the next', () => {
    const clock = newClock<Member>();
    const a = new Member();
    const b = new Member();
    clock.add(a);
    clock.add(b);
    fake.tick(TICK_MS + 1);
    expect(a.ticks).to.deep.equal(b.ticks);
    clock.delete(a);
    clock.delete(b);
    expect(clock.size).to.equal(0);
    expect(fake.countTimers()).to.equal(0);
    const c = new Member();
    clock.add(c);
    fake.tick(TICK_MS);
    expect(c.ticks.length).to.equal(1);
    clock.stop();
  });
});
