/**
 * The engine's media clock: every member ticks once per 20 ms, but members are spread over
 * 20 slots 1 ms apart, so one timer callback runs about a twentieth of them. Running all
 * of a thousand sessions in one burst would hold the event loop for milliseconds, and a
 * datagram arriving meanwhile waits that long; spread out, the loop is never busy for
 * more than a slot's share. A slot larger than `batch` members is run in batches with an
 * event-loop turn (setImmediate, so pending I/O is read) between them. Each slot keeps its
 * own media time (its ticks are exactly 20 ms apart, whichever batch a member runs in),
 * catches up after a stall, and resynchronises in phase when it fell too far behind.
 */
export interface ClockMember {
  tick(nowMs: number): void;
}

export const TICK_MS = 20;
/** Slots per tick period: 1 ms apart. */
export const SLOTS = 20;
/** After a stall (GC, busy loop) a slot catches up at most this many ticks, then resynchronises. */
export const MAX_CATCH_UP = 5;
/** Members ticked per event-loop turn: ~0.2 ms of G.711 sessions. */
export const DEFAULT_BATCH = 24;
/**
 * A due tick this late is run at once, whatever the batch: an overloaded loop must not
 * starve the clock (the batches are for latency, never at the cost of throughput).
 */
export const LATE_MS = 4;

interface Slot<T extends ClockMember> {
  readonly members: Set<T>;
  /**
   * The members as an array, built when a tick first needs it after a change and then
   * shared by every tick's job (never mutated, replaced on change): no copy per tick.
   */
  list: T[] | undefined;
  /** Media time of this slot's next tick. */
  nextAt: number;
}

/** One due tick of one slot: its members as they were when it fell due, and how far it got. */
interface Job<T> {
  readonly list: T[];
  readonly tickAt: number;
  next: number;
  /** `removals` when the job was made: unchanged means every member of `list` is still in. */
  readonly removals: number;
}

export class MediaClock<T extends ClockMember> {
  private readonly slots: Array<Slot<T>> = [];
  private readonly slotOf = new Map<T, Slot<T>>();
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer is due, to avoid re-arming it for an earlier or equal time. */
  private timerAt = Infinity;
  private readonly jobs: Array<Job<T>> = [];
  private continuing = false;
  /** Members deleted so far: lets a job skip the membership check while nobody left. */
  private removals = 0;

  private readonly now: () => number;
  private readonly batch: number;
  private readonly defer: (fn: () => void) => void;

  /**
   * `onError` sees a member whose tick threw: one broken stream must not stop the others.
   * `now` (Date.now), `batch` and `defer` (setImmediate: the next event-loop turn) are
   * there for tests.
   */
  constructor(
    private readonly onError: (member: T, err: unknown) => void,
    opts: { now?: () => number; batch?: number; defer?: (fn: () => void) => void } = {},
  ) {
    this.now = opts.now ?? (() => Date.now());
    this.batch = opts.batch ?? DEFAULT_BATCH;
    this.defer = opts.defer ?? ((fn) => setImmediate(fn));
  }

  get size(): number {
    return this.slotOf.size;
  }

  /**
   * Adds a member to the first slot (in phase order) holding fewer than a batch, else to
   * the least populated one; its first tick is that slot's next one. Filling slots up to a
   * batch before opening the next keeps the timer to a few wakeups per period while there
   * are few sessions; no slot exceeds a batch before every slot holds one.
   */
  add(member: T): void {
    if (this.slotOf.has(member)) return;
    if (this.slots.length === 0) {
      // The first member starts the clock: slot k ticks at start + 20 ms + k ms.
      const start = this.now() + TICK_MS;
      for (let k = 0; k < SLOTS; k++) this.slots.push({ members: new Set(), list: undefined, nextAt: start + k });
    }
    let best = this.slots.find((s) => s.members.size < this.batch);
    if (!best) {
      best = this.slots[0]!;
      for (const s of this.slots) if (s.members.size < best.members.size) best = s;
    }
    if (best.members.size === 0) this.resyncEmpty(best);
    best.members.add(member);
    best.list = undefined;
    this.slotOf.set(member, best);
    this.arm(best.nextAt);
  }

  delete(member: T): void {
    const slot = this.slotOf.get(member);
    if (!slot) return;
    slot.members.delete(member);
    slot.list = undefined;
    this.slotOf.delete(member);
    this.removals++;
    if (this.slotOf.size === 0) this.stop();
  }

  /** Stops the timer and forgets every member and slot. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.slots.length = 0;
    this.slotOf.clear();
    this.jobs.length = 0;
  }

  /** An empty slot kept no time: move its next tick to its phase in the current period. */
  private resyncEmpty(slot: Slot<T>): void {
    const now = this.now();
    if (slot.nextAt > now) return;
    slot.nextAt += Math.ceil((now - slot.nextAt + 1) / TICK_MS) * TICK_MS;
  }

  private arm(at: number): void {
    if (at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.onTimer(), Math.max(1, at - this.now()));
  }

  /** Runs every slot that is due; timers fire late under load, media time must not. */
  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.now();
    let next = Infinity;
    for (const slot of this.slots) {
      if (slot.members.size === 0) continue;
      let ran = 0;
      while (slot.nextAt <= now && ran < MAX_CATCH_UP) {
        this.jobs.push({ list: (slot.list ??= [...slot.members]), tickAt: slot.nextAt, next: 0, removals: this.removals });
        slot.nextAt += TICK_MS;
        ran++;
      }
      // Still behind: skip the missed ticks but keep the slot's phase, so slots stay spread.
      if (slot.nextAt <= now) slot.nextAt += Math.ceil((now - slot.nextAt + 1) / TICK_MS) * TICK_MS;
      if (slot.members.size > 0 && slot.nextAt < next) next = slot.nextAt;
    }
    if (next !== Infinity && this.slotOf.size > 0) this.arm(next);
    if (!this.continuing) this.drain();
  }

  /** Runs up to `batch` members of the due ticks, in order; the rest after an I/O turn. */
  private drain(): void {
    this.continuing = false;
    let budget = this.batch;
    const now = this.now();
    while (this.jobs.length > 0) {
      const job = this.jobs[0]!;
      if (budget <= 0 && now - job.tickAt < LATE_MS) break;
      while (job.next < job.list.length && (budget > 0 || now - job.tickAt >= LATE_MS)) {
        const m = job.list[job.next++]!;
        // Left since the tick fell due (closed): skip it.
        if (job.removals !== this.removals && !this.slotOf.has(m)) continue;
        budget--;
        try {
          m.tick(job.tickAt);
        } catch (err) {
          this.onError(m, err);
        }
      }
      if (job.next >= job.list.length) this.jobs.shift();
    }
    if (this.jobs.length > 0) {
      this.continuing = true;
      this.defer(() => this.drain());
    }
  }
}
