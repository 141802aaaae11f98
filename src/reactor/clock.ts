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
  /** Calls `fn` once, no earlier than `ms` from now; returns the handle `clearTimer` takes. */
  setTimer(ms: number, fn: () => void): TimerHandle;
  /** Cancels a timer set by `setTimer`; a handle that already ran or was cleared is ignored. */
  clearTimer(handle: TimerHandle): void;
}

/** Opaque handle from `Clock.setTimer`. */
export type TimerHandle = unknown;

/** The production clock and the reactor's default: `performance.now()` and Node's timers. */
export class RealClock implements Clock {
  /** `performance.now()`: ms since the process started, monotonic (wall-clock changes do not move it). */
  now(): number {
    return performance.now();
  }

  /** A `setTimeout`; the handle is its `Timeout`. */
  setTimer(ms: number, fn: () => void): TimerHandle {
    return setTimeout(fn, ms);
  }

  /** A `clearTimeout` of the handle. */
  clearTimer(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  }
}
