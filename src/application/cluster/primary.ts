import { container as globalContainer } from 'tsyringe';
import type { MetricsOptions } from '../../decorators/options';
import { ConsoleLogger, type Logger } from '../../logger';
import { RealClock, type Clock } from '../../reactor/clock';
import type { LogRateLimit } from '../../reactor/log-limiter';
import { Reactor } from '../../reactor/reactor';
import { formatAddress, type Application } from '../application';
import { metricsSettings } from '../metrics/start-metrics';
import { checkShutdownOptions, installShutdownSignals } from '../shutdown-signals';
import type { ClusterSettings } from './cluster-options';
import { nodeClusterFork } from './node-cluster';
import { PrimaryApplication } from './primary-application';
import { WorkerSupervisor } from './supervisor';

/** @internal The bootstrap options the primary reads (the rest are the workers'). */
export interface PrimaryOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly logRateLimit?: LogRateLimit | false;
  readonly metrics?: MetricsOptions | true | false;
  readonly shutdownSignals: readonly NodeJS.Signals[];
  readonly shutdownTimeoutMs: number;
}

/**
 * @internal
 * `bootstrap(M, { workers })` in the primary process: binds the metrics listener (if any),
 * forks the workers, and resolves once every one has bound its listeners; rejects with a
 * worker's own error when one cannot start (the others are killed). The module is not built
 * here: the workers build it, so no provider runs twice on the machine for nothing.
 */
export async function bootstrapPrimary(settings: ClusterSettings, options: PrimaryOptions): Promise<Application> {
  const metrics = options.metrics === undefined || options.metrics === false ? undefined : options.metrics;
  if (metrics !== undefined) metricsSettings(metrics);
  checkShutdownOptions(options.shutdownSignals, options.shutdownTimeoutMs);
  const logger = options.logger ?? new ConsoleLogger();
  const reactor = new Reactor(options.clock ?? new RealClock(), logger, options.logRateLimit);
  const supervisor = new WorkerSupervisor(settings, nodeClusterFork(settings.schedulingPolicy, logger), reactor.clock, logger);
  const app = new PrimaryApplication(reactor, globalContainer.createChildContainer(), supervisor, settings.workers);
  try {
    if (metrics !== undefined) await app.servePrimaryMetrics(metrics);
    logger.info(`primary ${process.pid}: forking ${settings.workers} workers (scheduling policy '${settings.schedulingPolicy}')`);
    await supervisor.start();
  } catch (error) {
    await app.close({ timeoutMs: 0 }).catch(() => undefined);
    throw error;
  }
  logger.info(`${settings.workers} workers serving ${app.addresses.map(formatAddress).join(', ')}`);
  if (options.shutdownSignals.length > 0) app.onClosed = installShutdownSignals(app, options.shutdownSignals, options.shutdownTimeoutMs);
  return app;
}
