import { isThenable } from '../thenable';
import type { Clock, TimerHandle } from './clock';

/** @internal Reports a timer callback's failure without stopping the reactor. */
export type TimerErrorSink = (error: unknown, what: string) => void;

/** A call scheduled with `reactor.callLater` (Twisted's IDelayedCall). */
export class DelayedCall {
  private handle: TimerHandle | undefined;
  private done = false;

  /** @internal Made by `reactor.callLater` / `reactor.every`. */
  constructor(
    private readonly clock: Clock,
    private readonly owner: Set<DelayedCall | LoopingCall>,
    private readonly fn: () => unknown,
    private readonly report: TimerErrorSink,
    ms: number,
  ) {
    owner.add(this);
    this.handle = clock.setTimer(ms, () => this.fire());
  }

  /** True until it has run or been cancelled. */
  get active(): boolean {
    return !this.done;
  }

  /** Stops the call from running; does nothing once it has run or was cancelled. */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.owner.delete(this);
    this.clock.clearTimer(this.handle);
    this.handle = undefined;
  }

  private fire(): void {
    if (this.done) return;
    this.done = true;
    this.owner.delete(this);
    runGuarded(this.fn, this.report, 'callLater callback');
  }
}

/**
 * A function called every `ms` (Twisted's LoopingCall, Netty's scheduleAtFixedRate). Like
 * both, a callback that throws (or rejects) stops the loop; the error is logged.
 * The next call is scheduled after the current one returns, so calls never overlap.
 */
export class LoopingCall {
  private handle: TimerHandle | undefined;
  private running = true;

  /** @internal Made by `reactor.callLater` / `reactor.every`. */
  constructor(
    private readonly clock: Clock,
    private readonly owner: Set<DelayedCall | LoopingCall>,
    private readonly fn: () => unknown,
    private readonly report: TimerErrorSink,
    private readonly ms: number,
    now: boolean,
  ) {
    owner.add(this);
    if (now) this.tick();
    else this.schedule();
  }

  /** True until `stop()` (or `cancel()`), or until a callback threw or rejected, which stops the loop. */
  get active(): boolean {
    return this.running;
  }

  /** Alias of `stop`, so a LoopingCall can be held where a DelayedCall is. */
  cancel(): void {
    this.stop();
  }

  /** Ends the loop: no further call is scheduled (a call in progress finishes). Does nothing once stopped. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.owner.delete(this);
    this.clock.clearTimer(this.handle);
    this.handle = undefined;
  }

  private schedule(): void {
    if (this.running) this.handle = this.clock.setTimer(this.ms, () => this.tick());
  }

  private tick(): void {
    if (!this.running) return;
    if (runGuarded(this.fn, (error, what) => {
      this.stop();
      this.report(error, what);
    }, 'every callback')) this.schedule();
  }
}

/** Runs `fn`, reporting a throw or a rejection; returns false if it threw synchronously. */
function runGuarded(fn: () => unknown, report: TimerErrorSink, what: string): boolean {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    report(error, what);
    return false;
  }
  if (isThenable(result)) {
    result.then(undefined, (error: unknown) => report(error, what));
  }
  return true;
}
