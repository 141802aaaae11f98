/** How the connections of one protocol class ended during a shutdown. */
export interface ShutdownCounts {
  /** Closed gracefully before the deadline: replies flushed, our FIN sent. */
  readonly closed: number;
  /** Still open at the deadline, so destroyed (what they had not flushed was lost). */
  readonly aborted: number;
}

/**
 * What `app.close()` (and a shutdown signal) did, once it is over: how long it took, how the
 * connections ended (in total and per protocol class), how many `@Connect` clients were
 * stopped, and how many frames arrived too late to be handled.
 */
export interface ShutdownReport extends ShutdownCounts {
  /** From the call to `close()` until everything was closed, on the reactor's clock (ms). */
  readonly durationMs: number;
  /** Per protocol class name: accepted and dialled connections alike. */
  readonly protocols: Readonly<Record<string, ShutdownCounts>>;
  /** `@Connect` clients stopped (no reconnect after this; their live connection is counted above). */
  readonly clientsClosed: number;
  /**
   * Frames (or undecoded chunks) received after the shutdown began, and frames queued on
   * connections destroyed at the deadline: read and discarded, never handled.
   */
  readonly framesDiscarded: number;
}

/** @internal Counts a shutdown as it happens; `report()` freezes the result. */
export class ShutdownTally {
  private closed = 0;
  private aborted = 0;
  private readonly protocols: Record<string, { closed: number; aborted: number }> = {};
  /** Summed from every connection once it has ended (see `ShutdownReport.framesDiscarded`). */
  framesDiscarded = 0;
  /** `@Connect` clients the shutdown stopped. */
  clientsClosed = 0;

  constructor(private readonly startedAt: number) {}

  /** One connection ended, `aborted` when the deadline destroyed it. */
  count(protocol: string | undefined, aborted: boolean): void {
    const name = protocol ?? '<no protocol>';
    const entry = (this.protocols[name] ??= { closed: 0, aborted: 0 });
    if (aborted) {
      entry.aborted++;
      this.aborted++;
    } else {
      entry.closed++;
      this.closed++;
    }
  }

  /** The report as of `now` (the reactor clock's time, for the duration). */
  report(now: number): ShutdownReport {
    return {
      durationMs: now - this.startedAt,
      closed: this.closed,
      aborted: this.aborted,
      protocols: this.protocols,
      clientsClosed: this.clientsClosed,
      framesDiscarded: this.framesDiscarded,
    };
  }
}
