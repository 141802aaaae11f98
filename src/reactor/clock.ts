/**
 * Where the reactor's time comes from. Production uses `RealClock` (Node timers); tests use
 * `VirtualClock` from `torsion/testing`, advanced by hand, so no test sleeps to test a timer.
 *
 * Contract: `setTimer(ms, fn)` calls `fn` once, no earlier than `ms` after `now()` at the call;
 * callbacks due at the same time run in the order they were set. `clearTimer` on a handle that
 * already ran or was cleared does nothing.
 */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** Opaque handle from `Clock.setTimer`. */
export type TimerHandle = unknown;

export class RealClock implements Clock {
  now(): number {
    return performance.now();
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    return setTimeout(fn, ms);
  }

  clearTimer(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  }
}
