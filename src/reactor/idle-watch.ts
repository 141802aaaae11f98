import type { Clock } from './clock';
import type { LoopingCall } from './delayed-call';

/** @internal Which idle timeout fired: nothing read, nothing written, or neither. */
export type IdleEventKind = 'read' | 'write' | 'all';

/** @internal Idle timeouts in ms (0: off). */
export interface IdleLimits {
  readonly readMs: number;
  readonly writeMs: number;
  readonly allMs: number;
}

/**
 * @internal
 * One watched connection's activity: the connection bumps `reads` and `writes` (a counter, no
 * clock read and no timer per chunk); the watch turns changes into times when it sweeps.
 */
export class IdleState {
  /** Bumped by the connection on every read (no clock read per chunk); the sweep compares it with the last count it saw. */
  reads = 0;
  /** Bumped by the connection on every write; the sweep compares it with the last count it saw. */
  writes = 0;
  private seenReads = 0;
  private seenWrites = 0;
  private readAt: number;
  private writeAt: number;
  private readFired = -Infinity;
  private writeFired = -Infinity;
  private allFired = -Infinity;

  constructor(
    readonly limits: IdleLimits,
    private readonly onIdle: (kind: IdleEventKind) => void,
    now: number,
  ) {
    this.readAt = now;
    this.writeAt = now;
  }

  /** One sweep: notes activity since the last one, fires each timeout whose period has passed. */
  sweep(now: number): void {
    if (this.reads !== this.seenReads) {
      this.seenReads = this.reads;
      this.readAt = now;
    }
    if (this.writes !== this.seenWrites) {
      this.seenWrites = this.writes;
      this.writeAt = now;
    }
    const { readMs, writeMs, allMs } = this.limits;
    // Each fires once per idle period: again only after another full period without activity.
    if (readMs > 0 && now - Math.max(this.readAt, this.readFired) >= readMs) {
      this.readFired = now;
      this.onIdle('read');
    }
    if (writeMs > 0 && now - Math.max(this.writeAt, this.writeFired) >= writeMs) {
      this.writeFired = now;
      this.onIdle('write');
    }
    if (allMs > 0 && now - Math.max(this.readAt, this.writeAt, this.allFired) >= allMs) {
      this.allFired = now;
      this.onIdle('all');
    }
  }
}

const MAX_TICK_MS = 1000;
const MIN_TICK_MS = 10;

/**
 * @internal
 * Idle timeouts for every connection of a reactor (Netty's IdleStateHandler, Twisted's
 * TimeoutMixin) with one periodic sweep on the reactor clock instead of a timer re-armed per
 * read: the sweep runs every quarter of the shortest timeout watched (10 ms to 1 s), so a
 * timeout fires between its period and its period plus one sweep after the last activity.
 * The sweep stops while nothing is watched.
 */
export class IdleWatch {
  private readonly watched = new Set<IdleState>();
  private timer: LoopingCall | undefined;
  private tickMs = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly every: (ms: number, fn: () => void) => LoopingCall,
  ) {}

  /** Starts watching; `onIdle` is called with each timeout that fires. */
  watch(limits: IdleLimits, onIdle: (kind: IdleEventKind) => void): IdleState {
    const state = new IdleState(limits, onIdle, this.clock.now());
    this.watched.add(state);
    const shortest = Math.min(...[limits.readMs, limits.writeMs, limits.allMs].filter((ms) => ms > 0));
    const tick = Math.max(MIN_TICK_MS, Math.min(MAX_TICK_MS, Math.floor(shortest / 4)));
    if (this.timer === undefined || tick < this.tickMs) {
      this.timer?.stop();
      this.tickMs = tick;
      this.timer = this.every(tick, () => this.sweep());
    }
    return state;
  }

  /** Stops sweeping `state` (its connection closed); the sweep timer stops with the last watched connection. */
  unwatch(state: IdleState): void {
    this.watched.delete(state);
    if (this.watched.size === 0 && this.timer !== undefined) {
      this.timer.stop();
      this.timer = undefined;
      this.tickMs = Infinity;
    }
  }

  private sweep(): void {
    const now = this.clock.now();
    // An @OnIdle may close its connection (which unwatches it): Set iteration allows that.
    for (const state of this.watched) state.sweep(now);
  }
}
