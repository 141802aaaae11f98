import type { Registry } from 'prom-client';
import type { DependencyContainer } from 'tsyringe';
import type { MetricsOptions } from '../../decorators/options';
import { OptionError, TorsionError } from '../../errors';
import type { Reactor } from '../../reactor/reactor';
import type { ShutdownCounts, ShutdownReport } from '../../reactor/shutdown-report';
import type { BoundAddress } from '../../transport/binder';
import type { Constructor } from '../../types';
import type { ReconnectingClient } from '../../client/reconnecting-client';
import { Application, type BoundListener, type ClientConnection, type CloseOptions } from '../application';
import type { HealthReport } from '../metrics/health';
import type { MetricsAddress, MetricsServer } from '../metrics/metrics-server';
import { bindMetrics, metricsSettings } from '../metrics/start-metrics';
import { gatherHealth, primaryEndpoints, registerPrimaryMetrics } from './cluster-metrics';
import type { WorkerInfo, WorkerSupervisor } from './supervisor';

/** `close()`'s deadline when none is given (the same as one process's). */
const DEFAULT_CLOSE_TIMEOUT_MS = 5000;

/**
 * @internal
 * What `bootstrap(M, { workers })` returns in the primary process: the workers' addresses (they
 * share every listener), their health and metrics gathered, and `close()`, which shuts every
 * worker down gracefully. The primary serves no connection of its own: `connect()` and
 * `client()` belong in the workers (`app.worker !== undefined`), and `listeners` is empty.
 */
export class PrimaryApplication extends Application {
  private stopped: Promise<ShutdownReport> | undefined;
  private primaryMetrics: { registry: Registry; server: MetricsServer } | undefined;

  constructor(
    reactor: Reactor,
    container: DependencyContainer,
    private readonly supervisor: WorkerSupervisor,
    private readonly slots: number,
  ) {
    super(reactor, container, new Map(), []);
  }

  /** The workers' listeners (one set, shared by every worker). */
  override get addresses(): BoundAddress[] {
    return this.supervisor.addresses;
  }

  /** Empty: each worker counts its own connections (`/metrics` on the primary sums them). */
  override get listeners(): readonly BoundListener[] {
    return [];
  }

  override get workers(): readonly WorkerInfo[] {
    return this.supervisor.workers;
  }

  override address(protocol: Constructor, index = 0): BoundAddress {
    const found = this.supervisor.addresses.filter((a) => a.protocol === protocol.name)[index];
    if (found === undefined) throw new TorsionError('TORSION_ERR_NO_LISTENER', `${protocol.name} has no listener #${index} in this application`);
    return found;
  }

  override connect<T>(protocol: Constructor<T>): Promise<ClientConnection<T>> {
    return Promise.reject(primaryError(`connect ${protocol.name}`));
  }

  override client<T>(protocol: Constructor<T>): ReconnectingClient<T> {
    throw primaryError(`read the client of ${protocol.name}`);
  }

  /** From what the primary knows now: 'ok' while every slot has a worker serving (`/healthz` asks the workers themselves). */
  override health(): HealthReport {
    const answers = new Map<number, HealthReport>();
    const listeners = { bound: this.addresses.length, declared: this.addresses.length };
    for (const w of this.supervisor.workers) {
      if (w.state === 'ready') answers.set(w.id, { status: 'ok', running: true, listeners, clients: [] });
    }
    return gatherHealth(this.reactor.running && this.stopped === undefined, this.slots, this.supervisor.workers, answers);
  }

  override get metricsRegistry(): Registry | undefined {
    return this.primaryMetrics?.registry;
  }

  override get metricsAddress(): MetricsAddress | undefined {
    return this.primaryMetrics?.server.address;
  }

  /** @internal Binds the primary's metrics listener (bootstrap, before the workers are forked). */
  async servePrimaryMetrics(options: MetricsOptions | true): Promise<void> {
    const prom = await import('prom-client');
    const registry = metricsSettings(options).registry ?? new prom.Registry();
    registerPrimaryMetrics(prom, registry, this.supervisor);
    const endpoints = primaryEndpoints(prom, registry, this.supervisor, this.slots, () => this.reactor.running && this.stopped === undefined);
    const server = await bindMetrics(options, endpoints, this.reactor.logger);
    this.primaryMetrics = { registry, server };
    this.reactor.own(server);
  }

  /**
   * Shuts the cluster down: every worker closes gracefully within `timeoutMs` (its `@OnShutdown`
   * handlers, its providers' `onShutdown()`) and exits; one still alive 3 s past the deadline is
   * killed. Then the primary's metrics listener closes. Resolves with the workers' reports
   * summed. Idempotent.
   */
  override close(options: CloseOptions = {}): Promise<ShutdownReport> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) return Promise.reject(new OptionError(`close({ timeoutMs }) needs a finite number of ms >= 0, got ${timeoutMs}`));
    this.stopped ??= this.stopCluster(timeoutMs);
    return this.stopped;
  }

  private async stopCluster(timeoutMs: number): Promise<ShutdownReport> {
    const started = this.reactor.clock.now();
    const { reports } = await this.supervisor.stop(timeoutMs);
    await this.reactor.stop({ timeoutMs: 0 });
    const report = sumReports(reports, this.reactor.clock.now() - started);
    this.onClosed?.();
    this.onClosed = undefined;
    return report;
  }
}

function primaryError(what: string): TorsionError {
  return new TorsionError('TORSION_ERR_PRIMARY', `cannot ${what} in the primary of a cluster: it serves nothing itself; do it in the workers (where app.worker !== undefined)`);
}

/** The workers' shutdown reports as one. */
function sumReports(reports: readonly ShutdownReport[], durationMs: number): ShutdownReport {
  const protocols: Record<string, ShutdownCounts> = {};
  let closed = 0;
  let aborted = 0;
  let clientsClosed = 0;
  let framesDiscarded = 0;
  for (const r of reports) {
    closed += r.closed;
    aborted += r.aborted;
    clientsClosed += r.clientsClosed;
    framesDiscarded += r.framesDiscarded;
    for (const [name, counts] of Object.entries(r.protocols)) {
      const sum = protocols[name] ?? { closed: 0, aborted: 0 };
      protocols[name] = { closed: sum.closed + counts.closed, aborted: sum.aborted + counts.aborted };
    }
  }
  return { durationMs, closed, aborted, protocols, clientsClosed, framesDiscarded };
}
