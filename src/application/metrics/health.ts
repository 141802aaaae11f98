/** One `@Connect` client as `/healthz` reports it. */
export interface ClientHealth {
  readonly protocol: string;
  /** `@Connect({ required: true })`: the application is unhealthy while it is not connected. */
  readonly required: boolean;
  /** The client's state ('connected', 'waiting', 'gave-up'...). */
  readonly state: string;
}

/** The body of `GET /healthz`. */
export interface HealthReport {
  /** 'ok' (HTTP 200) when every listener is bound and every required client connected, else 'unavailable' (503). */
  readonly status: 'ok' | 'unavailable';
  /** False once `app.close()` has begun. */
  readonly running: boolean;
  /** Listeners bound, and listeners declared. */
  readonly listeners: { readonly bound: number; readonly declared: number };
  readonly clients: readonly ClientHealth[];
}

/** Decides health from what the application reports (a pure function: tested on its own). */
export function healthReport(running: boolean, bound: number, declared: number, clients: readonly ClientHealth[]): HealthReport {
  const ok = running && bound === declared && clients.every((c) => !c.required || c.state === 'connected');
  return { status: ok ? 'ok' : 'unavailable', running, listeners: { bound, declared }, clients };
}
