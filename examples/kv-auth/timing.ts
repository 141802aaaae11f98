import { performance } from 'node:perf_hooks';
import { Histogram, type Registry } from 'prom-client';
import { inject, injectable, isThenable, type Interceptor, type RouteContext } from 'torsion';

/** Injection token of the prom-client `Registry` the command metrics are registered in. */
export const KV_METRICS_REGISTRY = Symbol('KV_METRICS_REGISTRY');

/**
 * `kv_command_duration_seconds{command}`: how long each routed command ran. Labelled with the
 * route as declared (`GET`), never the name a peer sent, so a peer cannot grow the label set.
 */
@injectable()
export class CommandMetrics {
  readonly duration: Histogram<'command'>;

  constructor(@inject(KV_METRICS_REGISTRY) registry: Registry) {
    this.duration = new Histogram({
      name: 'kv_command_duration_seconds',
      help: 'Time each kv-auth command took, by command.',
      labelNames: ['command'],
      buckets: [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1],
      registers: [registry],
    });
  }
}

/**
 * Times every command that passed the guards, around the handler: sync handlers are timed at
 * once (no Promise made for them), async ones when their promise settles.
 */
@injectable()
export class CommandTiming implements Interceptor {
  constructor(private readonly metrics: CommandMetrics) {}

  intercept(context: RouteContext, next: () => unknown): unknown {
    const start = performance.now();
    const observe = (): void => this.metrics.duration.observe({ command: context.route ?? 'unknown' }, (performance.now() - start) / 1000);
    let reply: unknown;
    try {
      reply = next();
    } catch (error) {
      observe();
      throw error;
    }
    if (!isThenable(reply)) {
      observe();
      return reply;
    }
    return Promise.resolve(reply).finally(observe);
  }
}
