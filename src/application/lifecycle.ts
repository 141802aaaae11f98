import type { DependencyContainer } from 'tsyringe';
import { BootstrapError, describe } from '../errors';
import type { Logger } from '../logger';
import { tokenName, type Token } from '../types';
import { providerDeps } from './dependencies';
import type { AppGraph, ProviderRecord } from './module-graph';

/**
 * A provider that prepares itself before the application serves anyone: `onInit()` runs at
 * bootstrap, awaited, in dependency order (what it injects is initialised first), before any
 * port is bound. A throw or rejection fails the bootstrap (`TORSION_ERR_INIT_FAILED`).
 * Singletons only: they are the providers that exist at bootstrap.
 */
export interface OnInit {
  /** Called once at bootstrap (in the testing kit: `await t.init()`). */
  onInit(): void | Promise<void>;
}

/**
 * A provider that releases something when the application closes: `onShutdown()` runs, awaited,
 * after every connection has closed, in the reverse of the initialisation order. Named after
 * NestJS's hook, not `OnShutdown`: that name is the `@OnShutdown()` protocol handler, which
 * runs per connection when the shutdown begins, not once per provider when it ends.
 */
export interface OnApplicationShutdown {
  /** Called once by `app.close()`, after the connections have closed. */
  onShutdown(): void | Promise<void>;
}

/** @internal A singleton instance and what the lifecycle needs to know about it. */
interface Service {
  readonly name: string;
  readonly instance: object;
  /** Built by the container (a class or factory provider), so the application disposes it. */
  readonly owned: boolean;
}

/**
 * @internal
 * The singletons' lifecycle: `onInit` in dependency order at bootstrap, `onShutdown` in reverse
 * at close, then `dispose()`. Made by `compileApplication`, driven by `Application`.
 */
export class ServiceLifecycle {
  /** How many services (a prefix of `services`) were initialised; undefined while init has not run. */
  private started: number | undefined;
  private initRun: Promise<void> | undefined;
  private shutdownRun: Promise<void> | undefined;

  /** @internal Made by `planLifecycle` (or `none`). */
  constructor(
    private readonly services: readonly Service[],
    private readonly logger: Logger,
  ) {}

  /** A lifecycle with no services (an application before its singletons exist). */
  static none(logger: Logger): ServiceLifecycle {
    return new ServiceLifecycle([], logger);
  }

  /** The services with an `onInit` (for the testing kit's "call t.init() first"). */
  get initialisers(): string[] {
    return this.services.filter((s) => hasHook(s.instance, 'onInit')).map((s) => s.name);
  }

  /** True once `init()` has run to the end. */
  get initialised(): boolean {
    return this.started === this.services.length;
  }

  /**
   * Runs every `onInit`, awaited, in dependency order; idempotent. On a failure, records how far
   * it got (so `shutdown()` shuts down only what was initialised) and throws
   * `TORSION_ERR_INIT_FAILED` naming the service.
   */
  init(): Promise<void> {
    this.initRun ??= this.runInit();
    return this.initRun;
  }

  private async runInit(): Promise<void> {
    for (let i = 0; i < this.services.length; i++) {
      const service = this.services[i];
      if (!hasHook(service.instance, 'onInit')) continue;
      try {
        await (service.instance as OnInit).onInit();
      } catch (error) {
        this.started = i;
        throw new BootstrapError('TORSION_ERR_INIT_FAILED', `${service.name}.onInit() failed: ${describe(error)}; what was initialised before it has been shut down`, {
          target: service.name,
          cause: error,
        });
      }
    }
    this.started = this.services.length;
  }

  /**
   * Runs `onShutdown` of every initialised service in reverse order (a service without `onInit`
   * counts as initialised even when `init()` never ran), then `dispose()` of every singleton the
   * container built, in reverse order. Failures are logged and the rest go on. Idempotent.
   */
  shutdown(): Promise<void> {
    this.shutdownRun ??= this.runShutdown();
    return this.shutdownRun;
  }

  private async runShutdown(): Promise<void> {
    const started = this.started === undefined ? this.services.filter((s) => !hasHook(s.instance, 'onInit')) : this.services.slice(0, this.started);
    for (let i = started.length - 1; i >= 0; i--) await this.call(started[i], 'onShutdown');
    for (let i = this.services.length - 1; i >= 0; i--) if (this.services[i].owned) await this.call(this.services[i], 'dispose');
  }

  private async call(service: Service, hook: 'onShutdown' | 'dispose'): Promise<void> {
    if (!hasHook(service.instance, hook)) return;
    try {
      await (service.instance as Record<typeof hook, () => unknown>)[hook]();
    } catch (error) {
      this.logger.error({ err: error }, `${service.name}.${hook}() failed`);
    }
  }
}

function hasHook(instance: object, hook: string): boolean {
  return typeof (instance as Record<string, unknown>)[hook] === 'function';
}

/**
 * The lifecycle of an application's singletons, ordered so that each comes after what it depends
 * on. A function, not a static method: the graph types stay out of `Application`'s typings.
 */
export function planLifecycle(graph: AppGraph, container: DependencyContainer, logger: Logger): ServiceLifecycle {
  const order: ProviderRecord[] = [];
  const seen = new Set<Token>();
  const visit = (token: Token): void => {
    const record = graph.providers.get(token);
    if (record === undefined || seen.has(token)) return;
    seen.add(token); // bootstrap has ruled out cycles already
    for (const dep of providerDeps(record)) visit(dep.token as Token);
    if (record.scope === 'singleton') order.push(record);
  };
  for (const token of graph.providers.keys()) visit(token);
  const services: Service[] = [];
  const instances = new Set<unknown>();
  for (const record of order) {
    const instance = container.resolve(record.token) as unknown;
    // An alias (useExisting) or a second token for one value is one service.
    if (instance === null || typeof instance !== 'object' || instances.has(instance)) continue;
    instances.add(instance);
    const name = tokenName(record.token);
    const cls = (instance as object).constructor?.name;
    services.push({
      name: cls !== undefined && cls !== '' && cls !== 'Object' && cls !== name ? `${name} (${cls})` : name,
      instance: instance as object,
      owned: record.kind === 'class' || record.kind === 'factory',
    });
  }
  return new ServiceLifecycle(services, logger);
}
