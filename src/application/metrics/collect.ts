import type * as PromClient from 'prom-client';
import type { HandlerTable } from '../../dispatch/handler-table';
import { DURATION_BUCKETS, type ConnectionStats, type ProtocolStats } from '../../dispatch/stats';
import { StreamConnection } from '../../transport/stream-connection';

/** What the exporter reads from the application, at scrape time only. */
export interface MetricsSource {
  /** Every protocol's compiled table (its `stats`, its endpoints' stats). */
  tables(): Iterable<HandlerTable>;
  /** The live connections (`reactor.connections`): write-blocked ones and queued frames are counted from them. */
  readonly connections: Iterable<unknown>;
  /** Listeners bound now. */
  listeners(): number;
  /** Each `@Connect` client: its protocol, whether `required`, whether connected now. */
  clients(): Iterable<{ readonly protocol: string; readonly required: boolean; readonly connected: boolean }>;
}

type Labels = Record<string, string>;

/**
 * Registers torsion's metrics in `registry`. Every value is read from the plain counters when
 * Prometheus scrapes (`collect` callbacks), never pushed per frame: the hot path only adds to
 * numbers it already holds (see dispatch/stats.ts). `histogram` exports the `@OnData` durations
 * (which bootstrap has the dispatchers measure).
 */
export function registerTorsionMetrics(prom: typeof PromClient, registry: PromClient.Registry, source: MetricsSource, histogram: boolean): void {
  const registers = [registry];
  const endpointLabels = ['protocol', 'listener'];
  const endpoints = (): ConnectionStats[] => [...source.tables()].flatMap((t) => t.stats.endpoints);
  const protocols = (): ProtocolStats[] => [...source.tables()].map((t) => t.stats);
  const at = (e: ConnectionStats): Labels => ({ protocol: e.protocol, listener: e.listener });

  /** A counter per endpoint, read from one field of its stats. */
  const perEndpoint = (name: string, help: string, read: (e: ConnectionStats) => number): void => {
    new prom.Counter({
      name,
      help,
      labelNames: endpointLabels,
      registers,
      collect() {
        this.reset();
        for (const e of endpoints()) this.inc(at(e), read(e));
      },
    });
  };
  /** A counter per protocol, read from one field of its stats. */
  const perProtocol = (name: string, help: string, read: (p: ProtocolStats) => number): void => {
    new prom.Counter({
      name,
      help,
      labelNames: ['protocol'],
      registers,
      collect() {
        this.reset();
        for (const p of protocols()) this.inc({ protocol: p.protocol }, read(p));
      },
    });
  };

  new prom.Gauge({
    name: 'torsion_connections_open',
    help: 'Connections open now.',
    labelNames: endpointLabels,
    registers,
    collect() {
      this.reset();
      for (const e of endpoints()) this.set(at(e), e.open);
    },
  });
  perEndpoint('torsion_connections_accepted_total', "Connections accepted by the listener (listener 'client': dialled).", (e) => e.opened);
  perEndpoint('torsion_received_bytes_total', 'Bytes read from peers.', (e) => e.bytesIn);
  // Closed connections' bytes are in bytesOut; open ones are asked now (their transport counts).
  perEndpoint('torsion_sent_bytes_total', 'Bytes written to peers.', (e) => e.bytesOut + liveBytesOut(source.connections, e));
  perEndpoint('torsion_write_blocks_total', 'Times a connection\'s outgoing buffer filled up (reading paused until it drained).', (e) => e.writeBlocks);
  new prom.Counter({
    name: 'torsion_connections_refused_total',
    help: 'Connections turned away before a protocol served them, by reason.',
    labelNames: [...endpointLabels, 'reason'],
    registers,
    collect() {
      this.reset();
      for (const e of endpoints()) for (const [reason, n] of Object.entries(e.refused)) this.inc({ ...at(e), reason }, n);
    },
  });
  new prom.Counter({
    name: 'torsion_connections_closed_total',
    help: 'Connections closed, by close reason (done, lost, aborted, error, timeout).',
    labelNames: [...endpointLabels, 'reason'],
    registers,
    collect() {
      this.reset();
      for (const e of endpoints()) for (const [reason, n] of Object.entries(e.closed)) this.inc({ ...at(e), reason }, n);
    },
  });
  registerLiveGauges(prom, registers, source, endpoints, at);

  perProtocol('torsion_frames_received_total', 'Frames decoded from peers (datagrams, for UDP).', (p) => p.framesIn);
  perProtocol('torsion_frame_errors_total', 'Input the codec could not decode.', (p) => p.frameErrors);
  perProtocol('torsion_replies_sent_total', 'Values handlers returned that were sent as replies.', (p) => p.repliesOut);
  perProtocol('torsion_handler_errors_total', 'Handlers that threw or rejected, and replies that could not be encoded.', (p) => p.handlerErrors);
  new prom.Counter({
    name: 'torsion_idle_timeouts_total',
    help: 'Idle timeouts that fired, by kind (read, write, all).',
    labelNames: ['protocol', 'kind'],
    registers,
    collect() {
      this.reset();
      for (const p of protocols()) for (const [kind, n] of Object.entries(p.idleTimeouts)) this.inc({ protocol: p.protocol, kind }, n);
    },
  });
  new prom.Gauge({
    name: 'torsion_listeners',
    help: 'Listeners bound now.',
    registers,
    collect() {
      this.set(source.listeners());
    },
  });
  new prom.Gauge({
    name: 'torsion_client_connected',
    help: '1 while the @Connect client of the protocol is connected, else 0.',
    labelNames: ['protocol', 'required'],
    registers,
    collect() {
      this.reset();
      for (const c of source.clients()) this.set({ protocol: c.protocol, required: String(c.required) }, c.connected ? 1 : 0);
    },
  });
  if (histogram) {
    registry.registerMetric(new DurationMetric(protocols) as unknown as PromClient.Metric);
  }
}

/** Gauges counted over the live connections at scrape time: nothing is kept for them in between. */
function registerLiveGauges(
  prom: typeof PromClient,
  registers: PromClient.Registry[],
  source: MetricsSource,
  endpoints: () => ConnectionStats[],
  at: (e: ConnectionStats) => Labels,
): void {
  const live = (): Map<ConnectionStats, { blocked: number; queued: number }> => {
    const out = new Map<ConnectionStats, { blocked: number; queued: number }>();
    for (const e of endpoints()) out.set(e, { blocked: 0, queued: 0 });
    for (const conn of source.connections) {
      if (!(conn instanceof StreamConnection)) continue;
      const entry = out.get(conn.stats);
      if (entry === undefined) continue; // not served by a protocol (yet)
      if (conn.writeBlocked) entry.blocked++;
      entry.queued += conn.queuedFrames;
    }
    return out;
  };
  new prom.Gauge({
    name: 'torsion_write_blocked_connections',
    help: 'Connections whose outgoing buffer is full now (reading paused until it drains).',
    labelNames: ['protocol', 'listener'],
    registers,
    collect() {
      this.reset();
      for (const [e, v] of live()) this.set(at(e), v.blocked);
    },
  });
  new prom.Gauge({
    name: 'torsion_queued_frames',
    help: 'Frames received and waiting behind a busy handler or a full outgoing buffer, now.',
    labelNames: ['protocol', 'listener'],
    registers,
    collect() {
      this.reset();
      for (const [e, v] of live()) this.set(at(e), v.queued);
    },
  });
}

/**
 * `torsion_handler_duration_seconds`: exported from the plain bucket counts the dispatchers keep
 * (DurationHistogram). prom-client's own Histogram can only be fed one observation at a time, so
 * this is a metric object of the shape its Registry reads (`name`, `help`, `type`, `aggregator`,
 * `get()`), as prom-client's custom collectors are.
 */
class DurationMetric {
  readonly name = 'torsion_handler_duration_seconds';
  readonly help = 'How long @OnData handlers ran (an async one: until it settled), seconds.';
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(private readonly protocols: () => ProtocolStats[]) {}

  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Array<{ labels: Labels; value: number; metricName: string }> }> {
    const values: Array<{ labels: Labels; value: number; metricName: string }> = [];
    for (const p of this.protocols()) {
      const d = p.durations;
      if (d === undefined) continue;
      let cumulative = 0;
      for (let i = 0; i < DURATION_BUCKETS.length; i++) {
        cumulative += d.counts[i];
        values.push({ metricName: `${this.name}_bucket`, labels: { protocol: p.protocol, le: String(DURATION_BUCKETS[i]) }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_bucket`, labels: { protocol: p.protocol, le: '+Inf' }, value: d.count });
      values.push({ metricName: `${this.name}_sum`, labels: { protocol: p.protocol }, value: d.sum });
      values.push({ metricName: `${this.name}_count`, labels: { protocol: p.protocol }, value: d.count });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** Counts live in the protocols' stats; the registry's reset has nothing of its own to clear. */
  reset(): void {}
}

/** Bytes the open connections of endpoint `e` have written so far (counted at close into `bytesOut`). */
function liveBytesOut(connections: Iterable<unknown>, e: ConnectionStats): number {
  let total = 0;
  for (const conn of connections) if (conn instanceof StreamConnection && conn.stats === e) total += conn.bytesSent;
  return total;
}
