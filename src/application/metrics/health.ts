/** One `@Connect` client as `/healthz` reports it. */
export interface ClientHealth {
  /** The protocol class's name. */
  readonly protocol: string;
  /** `@Connect({ required: true })`: the application is unhealthy while it is not connected. */
  readonly required: boolean;
  /** The client's state ('connected', 'waiting', 'gave-up'...). */
  readonly state: string;
}

/** One worker of a cluster as the primary's `/healthz` reports it. */
export interface WorkerHealth {
  /** Its `app.worker`. */
  readonly id: number;
  /** Its OS process id; undefined when the fork failed before a process existed. */
  readonly pid: number | undefined;
  /** Its slot in the pool (0 to workers - 1). */
  readonly slot: number;
  /** Its own report's status; 'unavailable' while it starts, stops, or did not answer in time. */
  readonly status: 'ok' | 'unavailable';
}

/** The body of `GET /healthz`. */
export interface HealthReport {
  /** 'ok' (HTTP 200) when every listener is bound and every required client connected, else 'unavailable' (503). */
  readonly status: 'ok' | 'unavailable';
  /** False once `app.close()` has begun. */
  readonly running: boolean;
  /** Listeners bound, and listeners declared. */
  readonly listeners: {
    /** Listeners bound and serving. */
    readonly bound: number;
    /** Listeners the application declares (every `@Listen`, after overrides). */
    readonly declared: number;
  };
  /** Every `@Connect` client and its state (on a cluster's primary, every worker's). */
  readonly clients: readonly ClientHealth[];
  /**
   * On the primary of a cluster: every worker slot, a worker's own report summed into
   * `listeners` and `clients`; 'ok' only when every slot has a worker that answered 'ok'.
   */
  readonly workers?: readonly WorkerHealth[];
}

/** Decides health from what the application reports (a pure function: tested on its own). */
export function healthReport(running: boolean, bound: number, declared: number, clients: readonly ClientHealth[]): HealthReport {
  const ok = running && bound === declared && clients.every((c) => !c.required || c.state === 'connected');
  return { status: ok ? 'ok' : 'unavailable', running, listeners: { bound, declared }, clients };
}
