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

/** @internal Something the watch checks at every sweep. */
export interface Swept {
  sweep(now: number): void;
}

/**
 * @internal
 * One watched connection's activity: the connection bumps `reads` and `writes` (a counter, no
 * clock read and no timer per chunk); the watch turns changes into times when it sweeps.
 */
export class IdleState implements Swept {
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
  private readonly watched = new Set<Swept>();
  private timer: LoopingCall | undefined;
  private tickMs = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly every: (ms: number, fn: () => void) => LoopingCall,
  ) {}

  /** Starts watching; `onIdle` is called with each timeout that fires. */
  watch(limits: IdleLimits, onIdle: (kind: IdleEventKind) => void): IdleState {
    const state = new IdleState(limits, onIdle, this.clock.now());
    this.add(state, Math.min(...[limits.readMs, limits.writeMs, limits.allMs].filter((ms) => ms > 0)));
    return state;
  }

  /** Stops sweeping `state` (its connection closed, its frame finished); the sweep timer stops with the last watched item. */
  unwatch(state: Swept): void {
    this.watched.delete(state);
    if (this.watched.size === 0 && this.timer !== undefined) {
      this.timer.stop();
      this.timer = undefined;
      this.tickMs = Infinity;
    }
  }

  /** Sweeps `item` from now on, at least every quarter of `shortestMs` (10 ms to 1 s). */
  add(item: Swept, shortestMs: number): void {
    this.watched.add(item);
    const tick = Math.max(MIN_TICK_MS, Math.min(MAX_TICK_MS, Math.floor(shortestMs / 4)));
    if (this.timer === undefined || tick < this.tickMs) {
      this.timer?.stop();
      this.tickMs = tick;
      this.timer = this.every(tick, () => this.sweep());
    }
  }

  /** The reactor clock, for items that note when something began. */
  now(): number {
    return this.clock.now();
  }

  private sweep(): void {
    const now = this.clock.now();
    // An @OnIdle may close its connection (which unwatches it): Set iteration allows that.
    for (const state of this.watched) state.sweep(now);
  }
}

/**
 * @internal
 * The frame timeout of one connection (slowloris): armed while its decoder holds part of a
 * frame, from when that frame began; `onTimeout` is called once the frame has been unfinished
 * for `timeoutMs`. Made on a connection's first partial frame; in the watch only while armed.
 */
export class FrameTimer implements Swept {
  private since = 0;
  private armed = false;

  constructor(
    private readonly watch: IdleWatch,
    readonly timeoutMs: number,
    /** Returns false to postpone (reading is paused by us, so the peer is not the slow one). */
    private readonly onTimeout: () => boolean,
  ) {}

  /** True while armed: a partial frame is being timed and the watch sweeps this timer. */
  get active(): boolean {
    return this.armed;
  }

  /** A new frame began (now): time it from here. */
  start(): void {
    this.since = this.watch.now();
    if (!this.armed) {
      this.armed = true;
      this.watch.add(this, this.timeoutMs);
    }
  }

  /** The partial frame finished (or the connection closed): disarm and leave the watch. */
  stop(): void {
    if (!this.armed) return;
    this.armed = false;
    this.watch.unwatch(this);
  }

  /** Called by the watch: runs out the timer once the frame has been unfinished for `timeoutMs`. */
  sweep(now: number): void {
    if (now - this.since < this.timeoutMs) return;
    if (this.onTimeout()) this.stop();
    else this.since = now;
  }
}
