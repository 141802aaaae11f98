import type { Clock, TimerHandle } from '../../../src';

/** A minimal hand-advanced Clock for client tests (time moves only in `advance`). */
export class ManualClock implements Clock {
  private time = 0;
  private seq = 0;
  private timers: Array<{ due: number; seq: number; fn: () => void }> = [];

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer = { due: this.time + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t !== handle);
  }

  get pending(): number {
    return this.timers.length;
  }

  /** Runs every timer due within `ms`, in (due, set order); bounded against runaway rescheduling. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (let runs = 0; runs < 10_000; runs++) {
      const next = this.timers.filter((t) => t.due <= end).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (next === undefined) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.due;
      next.fn();
    }
    this.time = end;
  }
}
