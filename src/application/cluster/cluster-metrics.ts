import type * as PromClient from 'prom-client';
import type { ClientHealth, HealthReport, WorkerHealth } from '../metrics/health';
import type { MetricsEndpoints } from '../metrics/metrics-server';
import type { WorkerSupervisor } from './supervisor';

/** How long the primary waits for its workers' answers to one scrape (a scraper's own timeout is usually 10 s). */
const ANSWER_TIMEOUT_MS = 3000;

/** prom-client's `getMetricsAsJSON()` of one worker. */
type MetricsJson = Parameters<typeof PromClient.AggregatorRegistry.aggregate>[0][number];

/**
 * @internal
 * Registers the primary's own metrics: `torsion_workers` (workers serving now) and
 * `torsion_worker_restarts_total`.
 */
export function registerPrimaryMetrics(prom: typeof PromClient, registry: PromClient.Registry, supervisor: WorkerSupervisor): void {
  new prom.Gauge({
    name: 'torsion_workers',
    help: 'Worker processes serving now (the primary of a cluster).',
    registers: [registry],
    collect() {
      this.set(supervisor.ready);
    },
  });
  new prom.Counter({
    name: 'torsion_worker_restarts_total',
    help: 'Workers re-forked after one died (the primary of a cluster).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(supervisor.restarts);
    },
  });
}

/**
 * @internal
 * What the primary's metrics listener serves. `/metrics`: every worker's metrics, asked over
 * IPC and summed with prom-client's `AggregatorRegistry` (counters and gauges of the same labels
 * add up), then the primary's own; `?worker=<id>`: that worker's alone. `/healthz`: the
 * workers' reports gathered (`workers`: one per slot); `?worker=<id>`: that worker's own. A
 * worker that does not answer within 3 s is left out of `/metrics` and unavailable in `/healthz`.
 */
export function primaryEndpoints(prom: typeof PromClient, own: PromClient.Registry, supervisor: WorkerSupervisor, slots: number, running: () => boolean): MetricsEndpoints {
  const workerParam = (params: URLSearchParams): number | undefined | 'absent' => {
    const raw = params.get('worker');
    if (raw === null) return 'absent';
    const id = Number(raw);
    return supervisor.workers.some((w) => w.id === id) ? id : undefined;
  };
  return {
    contentType: own.contentType,
    async metrics(params) {
      const id = workerParam(params);
      if (id === undefined) return undefined;
      const answers = await supervisor.request('metrics', ANSWER_TIMEOUT_MS, id === 'absent' ? undefined : id);
      const bodies = [...answers.values()].filter((b): b is MetricsJson => Array.isArray(b));
      if (id !== 'absent') {
        if (bodies.length === 0) throw new Error(`worker ${id} did not answer with its metrics`);
        return prom.AggregatorRegistry.aggregate([bodies[0]]).metrics();
      }
      return (await prom.AggregatorRegistry.aggregate(bodies).metrics()) + (await own.metrics());
    },
    async health(params) {
      const id = workerParam(params);
      if (id === undefined) return undefined;
      const answers = await supervisor.request('health', ANSWER_TIMEOUT_MS, id === 'absent' ? undefined : id);
      if (id !== 'absent') return (answers.get(id) as HealthReport | undefined) ?? { status: 'unavailable', running: false, listeners: { bound: 0, declared: 0 }, clients: [] };
      return gatherHealth(running(), slots, supervisor.workers, answers as Map<number, HealthReport>);
    },
  };
}

/**
 * @internal
 * The primary's health from its workers' reports: 'ok' when the primary runs and every slot has
 * a worker whose own report is 'ok'. A pure function, tested on its own.
 */
export function gatherHealth(running: boolean, slots: number, workers: ReadonlyArray<{ id: number; pid: number | undefined; slot: number }>, answers: ReadonlyMap<number, HealthReport>): HealthReport {
  let bound = 0;
  let declared = 0;
  const clients: ClientHealth[] = [];
  const perWorker: WorkerHealth[] = [];
  for (const w of workers) {
    const report = answers.get(w.id);
    if (report !== undefined) {
      bound += report.listeners.bound;
      declared += report.listeners.declared;
      clients.push(...report.clients);
    }
    perWorker.push({ id: w.id, pid: w.pid, slot: w.slot, status: report?.status === 'ok' ? 'ok' : 'unavailable' });
  }
  const ok = running && perWorker.length === slots && perWorker.every((w) => w.status === 'ok');
  return { status: ok ? 'ok' : 'unavailable', running, listeners: { bound, declared }, clients, workers: perWorker };
}
