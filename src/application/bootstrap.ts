import { container as globalContainer } from 'tsyringe';
import { BootstrapError } from '../errors';
import type { HandlerTable } from '../dispatch/handler-table';
import { idleTimes, type IdleDeclaration } from '../dispatch/idle-times';
import { DEFAULT_STREAM_CODEC, compileProtocol } from './compile-protocol';
import { ConsoleLogger, Logger } from '../logger';
import { allEndpointClasses, getConnect, getListens, isListedInSomeModule } from '../metadata';
import { RealClock, type Clock } from '../reactor/clock';
import { Reactor } from '../reactor/reactor';
import type { LogRateLimit } from '../reactor/log-limiter';
import { Connection } from '../transport/connection';
import { binders } from '../transport/binders';
import { TLS_MATERIAL, type TlsMaterial } from '../transport/tls';
import { DatagramSocket } from '../transport/udp-socket';
import { classToken, tokenName, type ConcreteConstructor, type Constructor } from '../types';
import type { MetricsOptions, ModuleImport, Provider } from '../decorators/options';
import { DurationHistogram } from '../dispatch/stats';
import { timedHandler } from '../dispatch/handler-runner';
import { metricsSettings } from './metrics/start-metrics';
import { Application } from './application';
import { planLifecycle } from './lifecycle';
import { checkShutdownOptions, DEFAULT_SHUTDOWN_TIMEOUT_MS, installShutdownSignals } from './shutdown-signals';
import { checkDependencies, constructorDeps } from './dependencies';
import { directConstructor } from './direct-constructor';
import { planListeners, type ListenOverrides, type ListenRewrite } from './listen-plan';
import { buildGraph, normaliseProvider, type AppGraph } from './module-graph';
import { checkProtocolOptionTokens, resolveProtocolOptions } from './protocol-options';
import { bindRoutes } from './compile-routes';
import type { Enhancer, ExceptionFilter } from '../decorators/enhancers';
import { instantiateSingletons, registerProviders } from './providers';
import { planClients } from '../client/start-clients';
import { installRequests } from '../client/install-requests';
import { clusterSettings, type SchedulingPolicy, type WorkerRestartOptions } from './cluster/cluster-options';
import { bootstrapPrimary } from './cluster/primary';
import { clusterRole, joinCluster, reportFailure, type WorkerIdentity } from './cluster/worker-side';

/** Options of `bootstrap(rootModule, options)` (and of the testing kit's `createTestingApp`); every one is optional. */
export interface BootstrapOptions {
  /**
   * Listener address overrides, e.g. `[[Echo, { port: 0 }]]` or `(cls, opts) => ({ ...opts, port: 0 })`.
   * Applied after a configured module's own `listen`, so these win.
   */
  listen?: ListenOverrides;
  /** Replaces the default console logger (a pino instance fits). */
  logger?: Logger;
  /** Time source for every timer (the testing kit passes a virtual clock). */
  clock?: Clock;
  /** Replace providers by token (same forms as module providers): test doubles, config. */
  overrides?: Provider[];
  /** Key material for every `transport: 'tls'` listener that does not bring its own (`@Listen({ tls })`). */
  tls?: TlsMaterial;
  /**
   * Limits the log records a peer can cause (bad frames and datagrams, failed handshakes, handler
   * failures): per kind, `perWindow` (default 20) every `windowMs` (default 10 s), then one
   * "suppressed N" line. `false` logs every one.
   */
  logRateLimit?: LogRateLimit | false;
  /**
   * Serve `GET /metrics` (Prometheus text format) and `GET /healthz` on a small HTTP listener of
   * its own (default `127.0.0.1:9464`; see `MetricsOptions`). Off by default: without it,
   * prom-client is never loaded and no clock is read per handler. `true`: every default.
   */
  metrics?: MetricsOptions | true | false;
  /**
   * Signals that shut the application down, e.g. `['SIGTERM', 'SIGINT']`; default none. The
   * first one closes it gracefully (`app.close({ timeoutMs: shutdownTimeoutMs })`), logs a
   * one-line report (info) and exits the process with code 0; a second one destroys every
   * connection and exits with code 1 at once. The handlers are removed when the app has closed.
   */
  shutdownSignals?: readonly NodeJS.Signals[];
  /** The graceful close's deadline when a shutdown signal arrives; default 10000 ms. */
  shutdownTimeoutMs?: number;
  /**
   * Application-wide exception filters (classes built by the container, or instances), offered
   * an error of any protocol's `@OnCommand` / `@OnData` handler after the handler's and the
   * protocol's own filters, before `@OnError` (see `ExceptionFilter`).
   */
  filters?: Array<Enhancer<ExceptionFilter>>;
  /**
   * Run the application in this many worker processes (node:cluster), `'auto'` for one per CPU
   * (`os.availableParallelism()`). Every worker runs the same entry script and module and shares
   * every listener; the primary process forks and supervises them (a worker that dies is
   * re-forked, with backoff), serves `metrics` for all of them, and on `shutdownSignals`
   * (default here SIGINT and SIGTERM) shuts every worker down gracefully. Bootstrap resolves in
   * both: in the primary once every worker listens (`app.workers`), in a worker once it does
   * (`app.worker`, its id, carried by its log lines). Default: one process, no cluster.
   */
  workers?: number | 'auto';
  /**
   * With `workers`: who accepts connections. Default `'none'` (each worker accepts from the
   * shared socket; $NODE_CLUSTER_SCHED_POLICY is honoured when set); `'rr'`: the primary accepts
   * them all and hands them round.
   */
  schedulingPolicy?: SchedulingPolicy;
  /** With `workers`: when a dead worker is re-forked (see `WorkerRestartOptions`). */
  workerRestart?: WorkerRestartOptions;
}

/** `shutdownSignals` of a cluster's processes when none are given: a supervisor must stop its workers. */
const CLUSTER_SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * Validates the module graph and compiles it, binding nothing: the part of `bootstrap`
 * the testing kit shares. Throws `BootstrapError` naming the class and the fix.
 */
export function compileApplication(rootModule: ModuleImport, options: BootstrapOptions = {}): Application {
  const graph = buildGraph(rootModule);
  applyOverrides(graph, options.overrides ?? []);
  const tables = new Map<Constructor, HandlerTable>();
  for (const { cls } of graph.protocols) tables.set(cls, compileProtocol(cls));
  checkUnlisted();
  const plans = planListeners([...tables.values()], options.listen, new Set(binders.keys()), moduleListenOverrides(graph));
  planClients(tables.values()); // checks every @Connect now; started after binding
  checkDependencies(graph, { global: new Set<unknown>([Reactor, Logger, Application]), connection: new Set<unknown>([Connection, DatagramSocket]) });
  checkTransportTokens(tables.values());
  checkProtocolOptionTokens(graph);
  const metrics = options.metrics === undefined || options.metrics === false ? undefined : metricsSettings(options.metrics);
  checkShutdownOptions(options.shutdownSignals ?? [], options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);

  const logger = options.logger ?? new ConsoleLogger();
  const reactor = new Reactor(options.clock ?? new RealClock(), logger, options.logRateLimit);
  // A child of tsyringe's global container keeps applications in one process apart.
  const root = globalContainer.createChildContainer();
  const app = new Application(reactor, root, tables, plans);
  root.register(Reactor, { useValue: reactor });
  root.register(classToken(Logger), { useValue: logger });
  root.register(Application, { useValue: app });
  if (options.tls !== undefined) root.register(TLS_MATERIAL, { useValue: options.tls });
  registerProviders(root, graph.providers.values());
  // Codecs and limits from @Protocol({ options: TOKEN }) need the providers (first, so a failing
  // options factory is reported with the protocol it was for); all before any listener exists.
  resolveProtocolOptions(tables, root);
  // A listener's idle timeouts lay over the protocol's, which its options token may have just set.
  for (const plan of plans) plan.idle = idleTimes(plan.options.idle as IdleDeclaration | undefined, plan.table.idle, `@Listen on ${plan.table.name}`);
  checkCodecKinds(tables.values());
  instantiateSingletons(root, graph.providers.values());
  app.lifecycle = planLifecycle(graph, root, logger);
  bindRoutes(tables.values(), root, options.filters ?? []);
  // Inside a protocol, Logger is the connection's own (a child of the app's), not a global.
  const protocolGlobals = new Set<unknown>([Reactor, Application]);
  for (const table of tables.values()) table.direct = directConstructor(table.protocol as ConcreteConstructor<object>, graph, root, protocolGlobals);
  // Request clients (@Protocol({ requests })) get their handlers wrapped and a reply tap, once, here.
  for (const table of tables.values()) {
    if (table.requests !== undefined && isDatagramProtocol(table)) {
      throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `@Protocol() of ${table.name}: requests are for stream connections (tcp, tls, unix), and ${table.name} is a UDP protocol: match datagram replies in @OnData`, { target: table.name });
    }
    installRequests(table, reactor);
  }
  // Handler durations are measured only when the histogram is wanted (a clock read per handler call).
  if (metrics?.histogram === true) {
    for (const table of tables.values()) {
      const durations = (table.stats.durations = new DurationHistogram());
      table.onData = timedHandler(table.onData, durations);
    }
  }
  return app;
}

/**
 * Starts an application (Twisted's `reactor.run()` with every `listenTCP` declared): validates
 * the whole graph before binding anything, builds the singletons, runs their `onInit()` in
 * dependency order (awaited), binds every `@Listen`, starts the `@Connect` clients and installs
 * the `shutdownSignals` handlers. `rootModule` is a `@Module` class or a configured module
 * (`SomeModule.configure({ ... })`). A failing `onInit()` is `TORSION_ERR_INIT_FAILED`, after
 * what was initialised has been shut down. With `workers`, this runs in every process of a
 * node:cluster (see `BootstrapOptions.workers`): the primary's resolves once every worker listens.
 *
 * @example
 * ```ts
 * const app = await bootstrap(AppModule, { shutdownSignals: ['SIGINT', 'SIGTERM'] });
 * console.log(app.address(Echo).port);   // 8000: where Echo listens
 * await app.close();                // graceful: stop accepting, drain, onShutdown
 * ```
 */
export async function bootstrap(rootModule: ModuleImport, options: BootstrapOptions = {}): Promise<Application> {
  if (options.workers === undefined) return start(rootModule, options, undefined);
  const settings = clusterSettings(options.workers, options.schedulingPolicy, options.workerRestart);
  const role = clusterRole();
  const shutdownSignals = options.shutdownSignals ?? CLUSTER_SHUTDOWN_SIGNALS;
  if (role === 'primary') return bootstrapPrimary(settings, { ...options, shutdownSignals, shutdownTimeoutMs: options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS });
  if (role !== 'foreign') return start(rootModule, { ...options, shutdownSignals }, role);
  (options.logger ?? new ConsoleLogger()).warn('bootstrap({ workers }) in a node:cluster worker that torsion did not fork (a process manager\'s cluster mode?): running as one process');
  return start(rootModule, options, undefined);
}

/** One process's bootstrap: alone, or as the cluster worker `worker`. */
async function start(rootModule: ModuleImport, options: BootstrapOptions, worker: WorkerIdentity | undefined): Promise<Application> {
  try {
    // A worker's log lines (its own and those of everything that injects Logger) carry its id.
    const app = compileApplication(rootModule, worker === undefined ? options : { ...options, logger: (options.logger ?? new ConsoleLogger()).child({ worker: worker.id }) });
    app.workerId = worker?.id;
    await app.init();
    try {
      // A worker's metrics are served by the primary, which asks for them.
      if (options.metrics !== undefined && options.metrics !== false) await app.serveMetrics(options.metrics, worker === undefined);
      await app.listen();
    } catch (error) {
      // What onInit() set up is shut down again (onShutdown, dispose), as on a failed onInit.
      await app.close({ timeoutMs: 1000 }).catch(() => undefined);
      throw error;
    }
    app.startClients();
    const signals = options.shutdownSignals ?? [];
    const timeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    if (worker !== undefined) joinCluster(app, signals, timeoutMs);
    else if (signals.length > 0) app.onClosed = installShutdownSignals(app, signals, timeoutMs);
    return app;
  } catch (error) {
    if (worker !== undefined) await reportFailure(error);
    throw error;
  }
}

/** Each protocol served by a configured module with `listen`, and that module's overrides. */
function moduleListenOverrides(graph: AppGraph): Map<Constructor, ListenRewrite> {
  const out = new Map<Constructor, ListenRewrite>();
  for (const { cls, module } of graph.protocols) if (module.listen !== undefined) out.set(cls, module.listen);
  return out;
}

function applyOverrides(graph: AppGraph, overrides: Provider[]): void {
  for (const override of overrides) {
    const token = typeof override === 'function' ? override : override.provide;
    const record = graph.providers.get(token);
    if (record === undefined) {
      throw new BootstrapError('TORSION_ERR_BAD_OVERRIDE', `override for ${tokenName(token)}: no module provides it, so there is nothing to replace`, { target: tokenName(token) });
    }
    const replaced = normaliseProvider(override, record.module);
    graph.providers.set(token, replaced);
    record.module.providers.set(token, replaced);
  }
}

/**
 * A stream protocol talks to a `Connection`, a UDP one to a `DatagramSocket`; asking for the
 * other would only fail when the first connection or datagram arrives.
 */
/** A protocol is a UDP one when every listener is UDP, or (listening nowhere) its codec is a datagram codec. */
function isDatagramProtocol(table: HandlerTable): boolean {
  const listens = getListens(table.protocol);
  return listens.length > 0 ? listens.every((l) => l.transport === 'udp') : table.datagramCodec !== undefined;
}

/** The codec a protocol declares (in place or from its options token) fits its transport. */
function checkCodecKinds(tables: Iterable<HandlerTable>): void {
  for (const table of tables) {
    const datagram = isDatagramProtocol(table);
    const declared = datagram ? (table.codec === DEFAULT_STREAM_CODEC ? undefined : table.codec) : table.datagramCodec;
    if (declared === undefined) continue;
    const fix = datagram ? 'use datagramRaw(), datagramUtf8() or datagramJson()' : "use a stream codec (lines(), lengthPrefixed(), resp()...) or listen with transport: 'udp'";
    throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `@Protocol() of ${table.name}: the ${declared.name} codec is a ${datagram ? 'stream' : 'datagram'} codec but ${table.name} is a ${datagram ? 'UDP' : 'stream'} protocol: ${fix}`, { target: table.name });
  }
}

function checkTransportTokens(tables: Iterable<HandlerTable>): void {
  for (const table of tables) {
    const listens = getListens(table.protocol);
    const udp = listens.filter((l) => l.transport === 'udp').length;
    const datagram = isDatagramProtocol(table);
    if (udp > 0 && udp < listens.length) {
      throw new BootstrapError('TORSION_ERR_TRANSPORT_MIX', `${table.name} listens on UDP and on a stream transport: a protocol is a datagram one or a stream one; declare two protocol classes (they may share a base class)`, { target: table.name });
    }
    const [wrong, right] = datagram ? [Connection, 'DatagramSocket'] : [DatagramSocket, 'Connection'];
    const index = constructorDeps(table.protocol, table.name).findIndex((d) => d.token === wrong);
    if (index !== -1) {
      throw new BootstrapError(
        'TORSION_ERR_SCOPE',
        `cannot inject parameter #${index} of ${table.name}: it is a ${datagram ? 'UDP' : 'stream'} protocol, which gets a ${right}, not a ${(wrong as Function).name}`,
        { target: table.name },
      );
    }
  }
}

/**
 * A `@Listen` or `@Connect` class that no module lists would silently never listen or connect.
 * Several applications may share a process (a server and its client in one test), so the check
 * is process-wide: every such class must be in the protocols of some `@Module` loaded in the
 * process, or of a configured module (`DynamicModule.protocols`) some application included.
 * There is no switch to turn it off: a class is declared once and listed by its module, and a
 * configurable module lists its protocols in its `@Module` (its `configure` changes their
 * options and listeners, not which classes exist), so no process needs one.
 */
function checkUnlisted(): void {
  for (const cls of allEndpointClasses()) {
    if (!isListedInSomeModule(cls)) {
      const [decorator, consequence] = getConnect(cls) === undefined ? ['@Listen', 'listen'] : ['@Connect', 'connect'];
      throw new BootstrapError(
        'TORSION_ERR_UNLISTED_LISTENER',
        `${cls.name} has ${decorator} but no module lists it in its protocols, so it would never ${consequence}: add it to the protocols of its @Module`,
        { target: cls.name },
      );
    }
  }
}
