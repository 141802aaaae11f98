import type { Clock } from './clock';
import { DelayedCall, LoopingCall } from './delayed-call';
import type { Logger } from '../logger';
import { OptionError } from '../errors';
import { LogLimiter, type LogRateLimit } from './log-limiter';
import { IdleWatch } from './idle-watch';
import { ConnectionList, type Listed } from './connection-list';
import { ShutdownTally, type ShutdownReport } from './shutdown-report';

/** `stop()`'s deadline when none is given. */
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5000;

/** @internal Something the reactor closes on shutdown: a listening port, an outbound client. */
export interface Closeable {
  close(): Promise<void>;
}

/** @internal A live connection as the reactor sees it: shut down gracefully when the reactor stops. */
export interface ReactorConnection extends Listed {
  readonly id: number;
  /** Stops reading, lets queued frames and in-flight handlers finish, runs `@OnShutdown`, then ends. */
  shutdown(): void;
  destroy(error?: Error): void;
  /** The protocol class serving it (undefined when none could be built). */
  readonly protocolName: string | undefined;
  /** Frames received and never handled (see `Connection.discardedFrames`). */
  readonly discardedFrames: number;
  /** Resolves once closed and its `@OnClose` handler has settled. */
  readonly finished: Promise<void>;
}

/** @internal A connection holding writes gathered while another connection was being served. */
export interface GatheredWrites {
  /** Writes out what was gathered (one transport write). */
  flushGathered(): void;
}

/** @internal A broadcast held open during a batch (see `Reactor.hold`). */
export interface HeldBroadcast {
  /** Writes what was held to its members, now. */
  settle(): void;
}

/**
 * The one object that owns every listener, connection and timer (Twisted's reactor).
 * Services can inject it: `constructor(private readonly reactor: Reactor)`.
 * Time comes from its `Clock`, so tests drive timers with a virtual clock.
 */
export class Reactor {
  /** @internal Live connections, shut down by `stop()`. */
  readonly connections = new ConnectionList<ReactorConnection>();
  private readonly timers = new Set<DelayedCall | LoopingCall>();
  private readonly listeners: Array<{ readonly closeable: Closeable; readonly kind: 'listener' | 'client' }> = [];
  /** Work in flight that stop() must abort (outbound dials); see track(). */
  private readonly inFlight = new Set<{ abort(): void }>();
  private stopping: Promise<ShutdownReport> | undefined;
  /** @internal Connection scopes opened and not yet released (see Application.metrics). */
  liveScopes = 0;
  /**
   * Write batches open on any connection (a read being handled, an async reply settling...).
   * While one is open, writes to every other connection are gathered too and flushed once when
   * the outermost batch ends: a broadcast of 8,192 lines read in one chunk costs one socket
   * write per member, not 8,192 (it stalled the event loop for seconds in a 200-member chat).
   */
  private batchDepth = 0;
  private readonly gathered: GatheredWrites[] = [];
  /**
   * @internal
   * The broadcast a group holds open during this batch (see Group): its lines are joined into one
   * text and written to each member once, not line by line. At most one at a time, settled at
   * the outermost batch end, and before any of its members writes, ends or closes (each is
   * marked while held), so that every member receives everything in the order it was written.
   */
  held: HeldBroadcast | undefined = undefined;

  /** @internal Limits what peers can make us log, per kind (see LogLimiter). */
  readonly logLimiter: LogLimiter;
  private watch: IdleWatch | undefined;

  /** @internal Made by bootstrap (and the testing kit); inject it rather than making one. */
  constructor(
    /** Where time comes from: the system clock, or the testing kit's `VirtualClock`. */
    readonly clock: Clock,
    /** The application's root logger (connections log through its children). */
    readonly logger: Logger,
    logRateLimit: LogRateLimit | false = {},
  ) {
    this.logLimiter = new LogLimiter(logger, clock, logRateLimit);
  }

  /** True until `stop()` (the application's `close()`) begins; after that, opening anything (`app.connect()`, a `@Connect` attempt, the testing kit's `connect`) fails with `ClosedError`. */
  get running(): boolean {
    return this.stopping === undefined;
  }

  /** Calls `fn` once after `ms` milliseconds; the handle cancels it. */
  callLater(ms: number, fn: () => unknown): DelayedCall {
    checkDelay(ms, 'callLater');
    return new DelayedCall(this.clock, this.timers, fn, this.reportTimerError, ms);
  }

  /** Calls `fn` every `ms` milliseconds (first call now when `now` is true); `stop()` ends it. */
  every(ms: number, fn: () => unknown, options: { now?: boolean } = {}): LoopingCall {
    checkDelay(ms, 'every');
    if (ms === 0) throw new OptionError('every(ms) needs ms > 0; a zero interval would spin the event loop');
    return new LoopingCall(this.clock, this.timers, fn, this.reportTimerError, ms, options.now ?? false);
  }

  /** @internal The idle timeouts of every connection that has some (made on first use). */
  get idleWatch(): IdleWatch {
    this.watch ??= new IdleWatch(this.clock, (ms, fn) => this.every(ms, fn));
    return this.watch;
  }

  /** @internal A write batch opens on some connection (see `batchDepth`). */
  beginBatch(): void {
    this.batchDepth++;
  }

  /** @internal The batch closes; the outermost one flushes every connection that gathered writes. */
  endBatch(): void {
    if (--this.batchDepth > 0) return;
    const gathered = this.gathered;
    // Most batches gathered nothing elsewhere: then no `length = 0`, a call into the runtime (~40 ns).
    if (gathered.length !== 0) {
      // A flush never writes to another connection, but index-walk in case one is added meanwhile.
      for (let i = 0; i < gathered.length; i++) gathered[i].flushGathered();
      gathered.length = 0;
    }
    // Last: what members gathered before the broadcast began goes out before it.
    if (this.held !== undefined) this.settleHeld();
  }

  /**
   * @internal
   * Holds `broadcast` open for the rest of this batch (settling the one held before: one at a
   * time keeps the order of two groups' broadcasts to a member of both).
   */
  hold(broadcast: HeldBroadcast): void {
    this.settleHeld();
    this.held = broadcast;
  }

  /** @internal Writes the held broadcast to its members now (one of them is about to write, end or close). */
  settleHeld(): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined; // first: the members' writes must not settle it again
    held.settle();
  }

  /**
   * @internal
   * True while some connection's batch is open: a write elsewhere is gathered, then flushed
   * when that batch ends (the connection asks once per batch with `gather`).
   */
  get batching(): boolean {
    return this.batchDepth > 0;
  }

  /** @internal A connection gathered writes during another's batch: flush it when the batch ends. */
  gather(connection: GatheredWrites): void {
    this.gathered.push(connection);
  }

  /** Timers pending now (for tests and metrics). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /**
   * @internal
   * Registers work in progress that `stop()` must abort (a connection being dialled); returns
   * the function that unregisters it once the work is done.
   */
  track(work: { abort(): void }): () => void {
    this.inFlight.add(work);
    return () => this.inFlight.delete(work);
  }

  /**
   * @internal
   * Registers a listener (or, with `kind` 'client', a `@Connect` client) to be closed by `stop()`.
   */
  own(closeable: Closeable, kind: 'listener' | 'client' = 'listener'): void {
    this.listeners.push({ closeable, kind });
  }

  /**
   * Shuts down gracefully: stops accepting, then on every connection runs `@OnShutdown` after the
   * frames already taken and any handler in flight, flushes the replies and ends it (FIN, then
   * reads and discards until the peer's FIN or a short linger), and cancels timers. Connections
   * still open after `timeoutMs` (default 5 s) are destroyed. Idempotent: every call returns
   * the first call's promise, settling with what happened.
   */
  stop(options: { timeoutMs?: number } = {}): Promise<ShutdownReport> {
    this.stopping ??= this.shutdown(options.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
    return this.stopping;
  }

  /**
   * @internal
   * Destroys every connection now (a second shutdown signal): what they had not flushed is
   * lost. A `stop()` in progress then finishes at once.
   */
  abortConnections(): void {
    for (const conn of [...this.connections]) conn.destroy();
  }

  private async shutdown(timeoutMs: number): Promise<ShutdownReport> {
    const tally = new ShutdownTally(this.clock.now());
    // Real time on purpose: the shutdown deadline must hold even while a virtual clock is
    // frozen; a virtual clock advanced past it (a test) reaches it too.
    const deadline = Date.now() + timeoutMs;
    const reached = deadlineOf(this.clock, timeoutMs);
    // Stop accepting first; a server reports itself closed only once every socket it accepted
    // is gone, so its promise is awaited after the connections have shut down.
    const owned = this.listeners.splice(0);
    const listenersClosed = Promise.all(
      owned.map(({ closeable }) => closeable.close().catch((error: unknown) => this.logger.warn({ err: error }, 'closing a listener failed'))),
    );
    tally.clientsClosed = owned.filter((o) => o.kind === 'client').length;
    for (const work of [...this.inFlight]) work.abort();
    this.inFlight.clear();
    // A handler that called app.close() returns (and its reply is written) before @OnShutdown runs.
    await Promise.resolve();
    const open = [...this.connections];
    for (const conn of open) conn.shutdown();
    const aborted = new Set<ReactorConnection>();
    if ((await Promise.race([Promise.all(open.map((c) => c.finished)).then(() => 'done' as const), reached.promise])) === 'timeout') {
      for (const conn of [...this.connections]) {
        aborted.add(conn);
        if (!open.includes(conn)) open.push(conn);
        conn.destroy();
      }
      // Destroyed sockets close at once; only an @OnClose that never settles could hold us here.
      if ((await within(Promise.all(open.map((c) => c.finished)), Date.now() + 1000)) === 'timeout') {
        this.logger.warn('an @OnClose handler has not settled; shutdown goes on without it');
      }
    }
    reached.cancel();
    for (const conn of open) {
      tally.count(conn.protocolName, aborted.has(conn));
      tally.framesDiscarded += conn.discardedFrames;
    }
    // Sockets a listener holds but never handed over (a TLS handshake in progress) may outlive
    // the deadline; they have their own timeouts, so do not wait on them forever.
    if ((await within(listenersClosed, Math.max(deadline, Date.now() + 100))) === 'timeout') {
      this.logger.warn('a listener still holds sockets after the shutdown deadline; not waiting for it');
    }
    for (const timer of [...this.timers]) timer.cancel();
    this.logLimiter.flush();
    return tally.report(this.clock.now());
  }

  private readonly reportTimerError = (error: unknown, what: string): void => {
    this.logger.error({ err: error }, `${what} failed`);
  };
}

/**
 * Resolves with 'timeout' after `ms`, real time or on `clock`, whichever comes first: a frozen
 * virtual clock cannot hold a shutdown forever, and a test that advances it reaches the deadline
 * without waiting.
 */
function deadlineOf(clock: Clock, ms: number): { promise: Promise<'timeout'>; cancel(): void } {
  let real: NodeJS.Timeout | undefined;
  let virtual: unknown;
  const promise = new Promise<'timeout'>((resolve) => {
    real = setTimeout(() => resolve('timeout'), ms);
    virtual = clock.setTimer(ms, () => resolve('timeout'));
  });
  return {
    promise,
    cancel: () => {
      clearTimeout(real);
      clock.clearTimer(virtual);
    },
  };
}

/** Settles with `work`, or with 'timeout' at `deadline` (epoch ms), whichever comes first. */
async function within(work: Promise<unknown>, deadline: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work.then(() => 'done' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function checkDelay(ms: number, what: string): void {
  if (!Number.isFinite(ms) || ms < 0) throw new OptionError(`${what}(ms) needs a finite ms >= 0, got ${ms}`);
}
