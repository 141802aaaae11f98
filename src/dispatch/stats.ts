/**
 * Plain counters kept where the work happens (a handler table, a connection's endpoint) and read
 * only when someone asks (a `/metrics` scrape, `app.metrics()`). Incrementing a field costs
 * what an addition costs: no labels, no hashing, no metrics library on the per-frame path.
 */

/** Why a connection ended (`CloseReason.kind`), as counted in `ConnectionStats.closed`. */
export type CloseKind = 'done' | 'lost' | 'aborted' | 'error' | 'timeout';

/** Which idle timeout fired, as counted in `ProtocolStats.idleTimeouts`. */
export type IdleTimeoutKind = 'read' | 'write' | 'all';

/**
 * @internal
 * Upper bounds (seconds) of the handler duration buckets: handlers of custom protocols usually
 * run for microseconds, so the buckets start at 10 µs (prom-client's default ones start at 5 ms).
 */
export const DURATION_BUCKETS: readonly number[] = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * @internal
 * A histogram of `@OnData` durations as plain numbers (one count per bucket, not cumulative;
 * the exporter sums them): one clock read at each end of a handler call, one search of a short
 * array. Kept only when `metrics.histogram` is on.
 */
export class DurationHistogram {
  /** counts[i]: observations <= DURATION_BUCKETS[i] and > the bound before; the last one: above every bound. */
  readonly counts: number[] = new Array<number>(DURATION_BUCKETS.length + 1).fill(0);
  /** Sum of every observation, seconds. */
  sum = 0;
  /** Observations. */
  count = 0;

  /** Records one duration in milliseconds (what `performance.now()` differences are). */
  observeMs(ms: number): void {
    const seconds = ms / 1000;
    const bounds = DURATION_BUCKETS;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]) i++;
    this.counts[i]++;
    this.sum += seconds;
    this.count++;
  }
}

/**
 * @internal
 * What one protocol's handlers did, over every connection or socket it served (the dispatchers
 * reach it through their HandlerTable).
 */
export class ProtocolStats {
  /** Frames decoded and handed to dispatch (datagrams decoded, for UDP). */
  framesIn = 0;
  /** Input the codec could not decode (a bad frame skipped, or a fatal decoder error). */
  frameErrors = 0;
  /** Values handlers returned that were encoded and written (or sent) as replies. */
  repliesOut = 0;
  /** Handlers that threw or rejected (`@OnError` included), and replies that could not be encoded. */
  handlerErrors = 0;
  /** Idle timeouts that fired, by kind (whether an `@OnIdle` answered them or the connection closed). */
  readonly idleTimeouts: Record<IdleTimeoutKind, number> = { read: 0, write: 0, all: 0 };
  /** `@OnData` durations; undefined (not measured, no clock read) unless the metrics histogram is on. */
  durations: DurationHistogram | undefined = undefined;
  /** Every endpoint (listener, outbound, in-memory) this protocol's connections counted in. */
  readonly endpoints: ConnectionStats[] = [];

  constructor(
    /** The protocol class's name: the `protocol` label. */
    readonly protocol: string,
  ) {}

  /** The endpoint labelled `listener`, made on first use (outbound connections: 'client'). */
  endpoint(listener: string): ConnectionStats {
    for (const e of this.endpoints) if (e.listener === listener) return e;
    const made = new ConnectionStats(this.protocol, listener);
    this.endpoints.push(made);
    return made;
  }
}

/** @internal Why a listener turned a connection away (`torsion_connections_refused_total{reason}`). */
export type RefusalReason = 'shutting_down' | 'tls_handshake' | (string & {});

/**
 * @internal
 * What the stream connections of one endpoint did: one per listener (`listener` is its address,
 * e.g. `tcp://127.0.0.1:7000`), one for a protocol's outbound connections ('client'), one for the
 * testing kit's ('memory'). Each connection holds its endpoint's and counts into it.
 */
export class ConnectionStats {
  /** Connections opened (accepted, or dialled). */
  opened = 0;
  /** Connections open now. */
  open = 0;
  /** Connections turned away before a protocol served them, by reason. */
  readonly refused: Record<string, number> = { shutting_down: 0, tls_handshake: 0 };
  /** Connections closed, by close reason. */
  readonly closed: Record<CloseKind, number> = { done: 0, lost: 0, aborted: 0, error: 0, timeout: 0 };
  /** Bytes read from peers. */
  bytesIn = 0;
  /**
   * Bytes (strings: characters, which equal bytes for ASCII and latin1) handed to the transport
   * to write to peers.
   */
  bytesOut = 0;
  /** Times a connection's outgoing buffer filled up (writes blocked until it drained). */
  writeBlocks = 0;

  constructor(
    /** The protocol class's name: the `protocol` label. */
    readonly protocol: string,
    /** The `listener` label; a listener's is set once it is bound (port 0 resolved). */
    public listener: string,
  ) {}

  /**
   * Counts one connection closed for `kind`. Named stores: `closed[kind]++` saw five keys and
   * went megamorphic (V8's IC log), a stub-cache lookup on every close.
   */
  countClose(kind: CloseKind): void {
    const closed = this.closed;
    switch (kind) {
      case 'done':
        closed.done++;
        return;
      case 'lost':
        closed.lost++;
        return;
      case 'aborted':
        closed.aborted++;
        return;
      case 'error':
        closed.error++;
        return;
      case 'timeout':
        closed.timeout++;
        return;
    }
  }

  /** Counts one connection turned away for `reason`. */
  refuse(reason: RefusalReason): void {
    this.refused[reason] = (this.refused[reason] ?? 0) + 1;
  }
}
