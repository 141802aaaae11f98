import type * as PromClient from 'prom-client';
import type { MetricsOptions } from '../../decorators/options';
import { BootstrapError, describe } from '../../errors';
import type { Logger } from '../../logger';
import { registerTorsionMetrics, type MetricsSource } from './collect';
import type { HealthReport } from './health';
import { listenMetrics, singleProcessEndpoints, type MetricsEndpoints, type MetricsServer } from './metrics-server';

/** Default port of the metrics listener (the OpenTelemetry Prometheus exporter's). */
export const DEFAULT_METRICS_PORT = 9464;
/** Default host of the metrics listener: loopback, so metrics are not published by accident. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

/** @internal The registry of torsion's metrics, and the listener serving it (none in a cluster worker: the primary serves). */
export interface RunningMetrics {
  readonly registry: PromClient.Registry;
  readonly server: MetricsServer | undefined;
}

/** @internal `bootstrap`'s `metrics` option with its defaults, checked; throws BootstrapError naming the fix. */
export function metricsSettings(options: MetricsOptions | true): Required<Omit<MetricsOptions, 'registry'>> & Pick<MetricsOptions, 'registry'> {
  const given = options === true ? {} : options;
  if (given === null || typeof given !== 'object') throw invalid(`metrics must be true or an object ({ port, host, histogram, registry }), got ${String(given)}`);
  const port = given.port ?? DEFAULT_METRICS_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalid(`metrics.port must be an integer from 0 to 65535, got ${String(port)}`);
  const host = given.host ?? DEFAULT_METRICS_HOST;
  if (typeof host !== 'string' || host === '') throw invalid(`metrics.host must be a host name or address, got ${String(host)}`);
  const histogram = given.histogram ?? true;
  if (typeof histogram !== 'boolean') throw invalid(`metrics.histogram must be true or false, got ${String(histogram)}`);
  const registry = given.registry;
  if (registry !== undefined && (registry === null || typeof (registry as { metrics?: unknown }).metrics !== 'function' || typeof (registry as { registerMetric?: unknown }).registerMetric !== 'function')) {
    throw invalid('metrics.registry must be a prom-client Registry (new Registry() from prom-client)');
  }
  return { port, host, histogram, registry };
}

/**
 * @internal
 * Loads prom-client (only now: an application without `metrics` never loads it), registers
 * torsion's metrics and binds the metrics listener. Throws BootstrapError (the port in use, a
 * registry that already holds a metric of the same name).
 */
export async function startMetrics(options: MetricsOptions | true, source: MetricsSource, health: () => HealthReport, logger: Logger): Promise<RunningMetrics> {
  const registry = await registerMetrics(options, source);
  const server = await bindMetrics(options, singleProcessEndpoints(registry, health), logger);
  return { registry, server };
}

/**
 * @internal
 * Loads prom-client and registers torsion's metrics in `options.registry` (or a new registry),
 * binding nothing: what a cluster worker does, whose metrics the primary serves.
 */
export async function registerMetrics(options: MetricsOptions | true, source: MetricsSource): Promise<PromClient.Registry> {
  const settings = metricsSettings(options);
  const prom = await import('prom-client');
  const registry = settings.registry ?? new prom.Registry();
  try {
    registerTorsionMetrics(prom, registry, source, settings.histogram);
  } catch (error) {
    throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `metrics.registry: registering torsion's metrics failed: ${describe(error)}; use a registry without torsion_* metrics`, { target: 'metrics', cause: error });
  }
  return registry;
}

/** @internal Binds the metrics listener of `options` serving `endpoints`; throws BootstrapError (the port in use...). */
export async function bindMetrics(options: MetricsOptions | true, endpoints: MetricsEndpoints, logger: Logger): Promise<MetricsServer> {
  const settings = metricsSettings(options);
  let server: MetricsServer;
  try {
    server = await listenMetrics(endpoints, settings.host, settings.port, logger);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const fix = code === 'EADDRINUSE' ? ': another process holds it; choose another metrics.port' : '';
    throw new BootstrapError(code === 'EADDRINUSE' ? 'TORSION_ERR_ADDRESS_IN_USE' : 'TORSION_ERR_LISTEN', `the metrics listener cannot listen on ${settings.host}:${settings.port}: ${describe(error)}${fix}`, { target: 'metrics', cause: error });
  }
  logger.info(`metrics on http://${server.address.host.includes(':') ? `[${server.address.host}]` : server.address.host}:${server.address.port}/metrics`);
  return server;
}

function invalid(message: string): BootstrapError {
  return new BootstrapError('TORSION_ERR_INVALID_OPTION', message, { target: 'metrics' });
}
