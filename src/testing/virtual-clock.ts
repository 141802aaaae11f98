import type { Clock, TimerHandle } from '../reactor/clock';
import { OptionError } from '../errors';
import { ClockRunawayError } from './errors';
import { drive } from './memory-loop';

/** One scheduled callback; also the opaque `TimerHandle` given out. */
interface VirtualTimer {
  readonly due: number;
  /** Tie-break: timers due at the same time run in the order they were set. */
  readonly seq: number;
  readonly fn: () => void;
}

/** Options of `new VirtualClock(...)`. */
export interface VirtualClockOptions {
  /** Virtual time at creation, in ms. Default 0. */
  start?: number;
  /**
   * Bound on callbacks run by one `advance` call, against a callback that keeps scheduling
   * zero-delay timers. Default 100 000; past it `advance` throws `ClockRunawayError`.
   */
  maxCallsPerAdvance?: number;
}

const DEFAULT_MAX_CALLS = 100_000;

/**
 * A `Clock` whose time moves only when the test says so (Twisted's `task.Clock`). Give it to an
 * application (`createTestingApp` does) or to a `Reactor`, then `advance(ms)`: every timer that
 * falls due runs, in time order, with `now()` set to its due time while it runs, including
 * timers scheduled by those callbacks as long as they fall due within the advance. Nothing
 * ever waits on real time, so timer tests are instant and deterministic.
 *
 * Follows the `Clock` contract: a callback runs once, no earlier than its delay after `now()`
 * when it was set; callbacks due at the same time run in the order they were set; clearing a
 * handle that ran or was cleared does nothing. A negative or non-finite delay counts as 0.
 *
 * @example
 * const clock = new VirtualClock();
 * const reactor = new Reactor(clock, silentLogger);
 * reactor.callLater(100, () => fired.push('a'));
 * clock.advance(99);  // nothing yet
 * clock.advance(1);   // 'a' runs, clock.now() === 100
 */
export class VirtualClock implements Clock {
  private time: number;
  private nextSeq = 0;
  /** Sorted by (due, seq); the head runs first. */
  private readonly timers: VirtualTimer[] = [];
  private readonly maxCalls: number;

  constructor(options: VirtualClockOptions = {}) {
    const start = options.start ?? 0;
    if (!Number.isFinite(start)) throw new OptionError(`VirtualClock start must be a finite number of ms, got ${start}`);
    const maxCalls = options.maxCallsPerAdvance ?? DEFAULT_MAX_CALLS;
    if (!Number.isInteger(maxCalls) || maxCalls < 1) throw new OptionError(`VirtualClock maxCallsPerAdvance must be a positive integer, got ${maxCalls}`);
    this.time = start;
    this.maxCalls = maxCalls;
  }

  /** The current virtual time in ms. */
  now(): number {
    return this.time;
  }

  /** Schedules `fn` at `now() + ms` (part of the `Clock` contract; the reactor calls it). */
  setTimer(ms: number, fn: () => void): TimerHandle {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: VirtualTimer = { due: this.time + delay, seq: this.nextSeq++, fn };
    this.timers.splice(this.insertionIndex(timer.due), 0, timer);
    return timer;
  }

  /** Cancels a timer from `setTimer`; does nothing if it ran or was cleared already. */
  clearTimer(handle: TimerHandle): void {
    const index = this.timers.indexOf(handle as VirtualTimer);
    if (index >= 0) this.timers.splice(index, 1);
  }

  /** Timers scheduled and not yet run or cleared. */
  get pending(): number {
    return this.timers.length;
  }

  /** When the next timer is due (virtual ms), or undefined when none is pending. */
  nextDue(): number | undefined {
    return this.timers[0]?.due;
  }

  /**
   * Moves time forward by `ms`, running every callback that falls due, in time order (same
   * time: the order they were set), each with `now()` at its own due time; ends with `now()`
   * at the start plus `ms`. A callback that throws stops the advance there (`now()` stays at its
   * due time) and the error propagates; the reactor's timers never throw (they log instead).
   * Returns how many callbacks ran.
   */
  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new OptionError(`VirtualClock.advance(ms) needs a finite ms >= 0, got ${ms}; time never goes back`);
    const target = this.time + ms;
    return drive(() => {
      let calls = 0;
      while (this.timers.length > 0 && this.timers[0].due <= target) {
        if (calls >= this.maxCalls) throw new ClockRunawayError(calls, this.time);
        const timer = this.timers.shift() as VirtualTimer;
        this.time = timer.due;
        calls++;
        timer.fn();
      }
      this.time = target;
      return calls;
    });
  }

  /**
   * Advances to the next pending timer and runs everything due then. Returns how many
   * callbacks ran (0, and time unchanged, when nothing is pending).
   */
  runNext(): number {
    const due = this.nextDue();
    return due === undefined ? 0 : this.advance(due - this.time);
  }

  /** First index whose timer is due strictly later than `due` (keeps same-time FIFO order). */
  private insertionIndex(due: number): number {
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timers[mid].due <= due) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
