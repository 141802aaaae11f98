import { TorsionError } from '../errors';

/**
 * `pump()` moved bytes for `rounds` rounds without the two connections going quiet: the
 * protocols keep answering each other (a ping-pong with no end), or the bound is too low.
 * Code `TORSION_ERR_PUMP_NOT_QUIET`.
 */
export class PumpError extends TorsionError {
  constructor(
    /** Rounds run before giving up (the `maxRounds` bound). */
    readonly rounds: number,
    /** Bytes moved in those rounds, both directions together. */
    readonly bytes: number,
  ) {
    super('TORSION_ERR_PUMP_NOT_QUIET', `pump: still moving data after ${rounds} rounds (${bytes} bytes moved): the two protocols never go quiet; raise maxRounds if this is expected`);
  }
}

/**
 * `settle()` gave up: a handler (or `@OnClose`) was still in flight after `turns` turns of the
 * event loop. Usually it awaits a timer of the virtual clock: advance it (`await t.advance(ms)`).
 * Code `TORSION_ERR_NOT_SETTLED`.
 */
export class SettleError extends TorsionError {
  constructor(
    /** Event-loop turns waited (the `maxTurns` bound). */
    readonly turns: number,
    /** What was still busy, e.g. "Echo.onLine in flight on connection #3". */
    readonly busy: string,
  ) {
    super('TORSION_ERR_NOT_SETTLED', `settle: ${busy} after ${turns} event-loop turns; if it waits on a timer, advance the virtual clock (await t.advance(ms))`);
  }
}

/**
 * `VirtualClock.advance` ran more than `maxCalls` callbacks in one call: a callback keeps
 * scheduling zero-delay timers. Code `TORSION_ERR_CLOCK_RUNAWAY`.
 */
export class ClockRunawayError extends TorsionError {
  constructor(
    /** Callbacks run before giving up. */
    readonly calls: number,
    /** Virtual time when it gave up, in ms. */
    readonly at: number,
  ) {
    super('TORSION_ERR_CLOCK_RUNAWAY', `VirtualClock.advance: ${calls} callbacks ran at or before ${at} ms without the clock catching up; a callback keeps scheduling timers due immediately (raise maxCallsPerAdvance if this is expected)`);
  }
}

/**
 * The in-memory transport's deferred work (closes, input held while paused) kept rescheduling
 * itself for `runs` runs without settling: connections re-arming each other forever. A bug in
 * the kit or in a custom `DeferredWork`; it fails loudly instead of hanging the test.
 * Code `TORSION_ERR_DEFERRED_RUNAWAY`.
 */
export class DeferredRunawayError extends TorsionError {
  constructor(
    /** Runs made before giving up. */
    readonly runs: number,
  ) {
    super('TORSION_ERR_DEFERRED_RUNAWAY', `torsion/testing: deferred transport work did not settle after ${runs} runs`);
  }
}
