import type { Socket } from 'node:net';
import type { Registry } from 'prom-client';
import type { DependencyContainer } from 'tsyringe';
import type { ConnectTarget, MetricsOptions } from '../decorators/options';
import { ConnectionStats } from '../dispatch/stats';
import { openClient } from '../client/open-client';
import type { ReconnectingClient } from '../client/reconnecting-client';
import { requestOn, type RequestOptions } from '../client/requester';
import { planClients, startClients } from '../client/start-clients';
import type { HandlerTable, IdleTimes } from '../dispatch/handler-table';
import { BootstrapError, ClosedError, OptionError, TorsionError, describe } from '../errors';
import type { Reactor } from '../reactor/reactor';
import type { CloseReason, Connection } from '../transport/connection';
import { SocketConnection } from '../transport/socket-connection';
import type { ProxyHeaderRead } from '../transport/proxy-header';
import type { ProxyProtocolSettings } from '../transport/proxy-settings';
import type { BindPlan, BoundAddress, Listener } from '../transport/binder';
import { binders } from '../transport/binders';
import type { Constructor } from '../types';
import { attachProtocol } from '../transport/open-protocol';
import { refuseSocket, type ConnectionLimiter } from '../transport/connection-limiter';
import type { ListenerStats } from '../transport/listener-stats';
import type { ListenPlan } from './listen-plan';
import type { MetricsSource } from './metrics/collect';
import { healthReport, type HealthReport } from './metrics/health';
import type { MetricsAddress } from './metrics/metrics-server';
import { registerMetrics, startMetrics, type RunningMetrics } from './metrics/start-metrics';
import type { ShutdownReport } from '../reactor/shutdown-report';
import { ServiceLifecycle } from './lifecycle';
import type { WorkerInfo } from './cluster/supervisor';

/** `close()`'s deadline when none is given. */
const DEFAULT_CLOSE_TIMEOUT_MS = 5000;
/** The least time providers' onShutdown() get, even when the connections used up the deadline. */
const MIN_HOOKS_MS = 1000;

/** Options of `app.close()`. */
export interface CloseOptions {
  /**
   * How long connections may take to finish (handlers in flight, replies flushing, the peers'
   * FIN) before the ones still open are destroyed. Default 5000 ms.
   */
  timeoutMs?: number;
}

/** An outbound connection driven by a protocol instance. */
export interface ClientConnection<T> {
  /** The protocol instance serving the connection (built by DI). */
  readonly protocol: T;
  /** The connection itself: write, close, flow control. */
  readonly connection: Connection;
  /** Resolves with the close reason once closed (and `@OnClose` settled). */
  readonly closed: Promise<CloseReason>;
  /**
   * Writes `frame` and resolves with its reply, for a protocol declaring
   * `@Protocol({ requests })` (`Requester.of(connection).request`; see `Requester`). Rejects
   * with an OptionError when the protocol declares no requests.
   */
  request<Reply = unknown>(frame: unknown, options?: RequestOptions): Promise<Reply>;
}

/**
 * A snapshot of what an application holds, from `app.metrics()`: for dashboards, and for tests that check nothing leaks after connections close.
 */
export interface ApplicationMetrics {
  /** Stream connections open or closing (accepted and dialled). */
  readonly connections: number;
  /**
   * Per-connection DI scopes (child containers) not yet released. Only protocols that inject
   * something connection-scoped get one; the others are built directly, without a scope.
   */
  readonly liveScopes: number;
  /** Listeners bound (every `@Listen`, after overrides). */
  readonly listeners: number;
  /** Timers scheduled on the reactor clock and not yet fired or cancelled. */
  readonly pendingTimers: number;
}

/** A bound listener: the protocol it serves, where it is bound, and its connection counts. */
export interface BoundListener {
  /** The protocol class served. */
  readonly protocol: Constructor;
  /** Where it is bound (port 0 resolved). */
  readonly address: BoundAddress;
  /** Its live counts: accepted, refused by reason, open (zeros for UDP). */
  readonly stats: ListenerStats;
}

/**
 * What `bootstrap` returns: the bound addresses, outbound connections, metrics and `close()`.
 * Also injectable (`constructor(private readonly app: Application)`), e.g. to open clients.
 */
export class Application {
  private readonly bound: BoundListener[] = [];
  private clients = new Map<Constructor, ReconnectingClient>();
  private served: RunningMetrics | undefined;

  private closing: Promise<ShutdownReport> | undefined;
  /** @internal Runs once when `close()` has finished (bootstrap removes its signal handlers here). */
  onClosed: (() => void) | undefined;

  /** @internal Made by `bootstrap` (and the testing kit). */
  constructor(
    /** The reactor that owns every listener, connection and timer of this application. */
    readonly reactor: Reactor,
    /** The root DI container (singletons live here). */
    readonly container: DependencyContainer,
    private readonly tables: ReadonlyMap<Constructor, HandlerTable>,
    private readonly plans: readonly ListenPlan[],
  ) {
    this.lifecycle = ServiceLifecycle.none(reactor.logger);
  }

  /** @internal The singletons' onInit / onShutdown / dispose (set by compileApplication once they exist). */
  lifecycle: ServiceLifecycle;

  /** @internal Set by bootstrap in a cluster worker (see `worker`). */
  workerId: number | undefined = undefined;

  /**
   * In a worker process of `bootstrap(M, { workers })`: its node:cluster worker id (1, 2, ...; a
   * re-forked worker gets a new one), which its log lines carry as `worker`. Undefined in a
   * single process and in the cluster's primary.
   */
  get worker(): number | undefined {
    return this.workerId;
  }

  /** In the primary of `bootstrap(M, { workers })`: its live workers. Undefined in a single process and in a worker. */
  get workers(): readonly WorkerInfo[] | undefined {
    return undefined;
  }

  /** Every bound listener, in declaration order. */
  get addresses(): BoundAddress[] {
    return this.bound.map((b) => b.address);
  }

  /** Every bound listener with its connection counts (accepted, refused by reason, open), in declaration order: what a metrics exporter reads. */
  get listeners(): readonly BoundListener[] {
    return this.bound;
  }

  /**
   * The connection counts of `protocol`'s `index`-th `@Listen` (live objects: read them when
   * needed). Available before binding, so the testing kit's in-memory connections count too.
   */
  listenerStats(protocol: Constructor, index = 0): ListenerStats {
    const plan = this.plans.filter((p) => p.table.protocol === protocol)[index];
    if (plan === undefined) throw new TorsionError('TORSION_ERR_NO_LISTENER', `${protocol.name} has no listener #${index} in this application`);
    return plan.limiter.stats;
  }

  /**
   * @internal The limiter and idle timeouts of `protocol`'s first `@Listen`, if it listens: the
   * testing kit applies them to `t.connect` as the accept path does.
   */
  firstListener(protocol: Constructor): { readonly limiter: ConnectionLimiter; readonly idle?: IdleTimes; readonly proxy?: ProxyProtocolSettings } | undefined {
    return this.plans.find((p) => p.table.protocol === protocol);
  }

  /** The address `protocol`'s `index`-th `@Listen` got (ask this after binding port 0). */
  address(protocol: Constructor, index = 0): BoundAddress {
    const found = this.bound.filter((b) => b.protocol === protocol)[index];
    if (found === undefined) throw new TorsionError('TORSION_ERR_NO_LISTENER', `${protocol.name} has no listener #${index} in this application`);
    return found.address;
  }

  /** @internal The compiled table of a protocol listed in a module (for transports and the testing kit). */
  table(protocol: Constructor): HandlerTable {
    const table = this.tables.get(protocol);
    if (table === undefined) {
      throw new TorsionError('TORSION_ERR_UNKNOWN_PROTOCOL', `${protocol.name} is not a protocol of this application: add it to the protocols of a module`);
    }
    return table;
  }

  /** Opens an outbound connection served by an instance of `protocol` (Twisted's connectTCP). */
  async connect<T>(protocol: Constructor<T>, target: ConnectTarget): Promise<ClientConnection<T>> {
    if (!this.reactor.running) throw new ClosedError(`cannot connect ${protocol.name}: the application is closing`);
    const { instance, connection: conn } = await openClient(this.container, this.reactor, this.table(protocol), target);
    return {
      protocol: instance as T,
      connection: conn,
      closed: conn.finished.then(() => conn.closeReason as CloseReason),
      request: <Reply>(frame: unknown, options?: RequestOptions) => requestOn<Reply>(conn, frame, options),
    };
  }

  /** The `@Connect` client of `protocol`: its state ('connected', 'waiting', 'gave-up'...), live connection, `when(state)`. */
  client<T>(protocol: Constructor<T>): ReconnectingClient<T> {
    const client = this.clients.get(protocol);
    if (client === undefined) throw new TorsionError('TORSION_ERR_NO_CLIENT', `${protocol.name} has no @Connect client in this application (was it bootstrapped with bootstrap()?)`);
    return client as unknown as ReconnectingClient<T>;
  }

  /** @internal Starts every `@Connect` client (bootstrap, after binding the listeners). */
  startClients(): void {
    this.clients = startClients(planClients(this.tables.values()), this.container, this.reactor);
  }

  /**
   * Whether the application serves: every listener bound, every `@Connect({ required: true })`
   * client connected, not closing. What `GET /healthz` answers (200 when `status` is 'ok').
   */
  health(): HealthReport {
    const clients = [...this.clients.values()].map((c) => ({ protocol: c.name, required: c.target.required === true, state: c.state }));
    return healthReport(this.reactor.running, this.bound.length, this.plans.length, clients);
  }

  /** The prom-client `Registry` `/metrics` serves (add your own metrics to it); undefined without `metrics`. */
  get metricsRegistry(): Registry | undefined {
    return this.served?.registry;
  }

  /** Where the metrics listener is bound (port 0 resolved); undefined without `metrics`, and in a cluster worker (the primary serves its metrics). */
  get metricsAddress(): MetricsAddress | undefined {
    return this.served?.server?.address;
  }

  /**
   * @internal
   * Starts the metrics listener (bootstrap, before binding: `/healthz` says 503 until every
   * listener is bound). `listen: false` (a cluster worker) registers the metrics and binds
   * nothing: the primary asks for them.
   */
  async serveMetrics(options: MetricsOptions | true, listen = true): Promise<void> {
    const source: MetricsSource = {
      tables: () => this.tables.values(),
      connections: this.reactor.connections,
      listeners: () => this.bound.length,
      clients: () => [...this.clients.values()].map((c) => ({ protocol: c.name, required: c.target.required === true, connected: c.state === 'connected' })),
    };
    if (!listen) {
      this.served = { registry: await registerMetrics(options, source), server: undefined };
      return;
    }
    const served = await startMetrics(options, source, () => this.health(), this.reactor.logger);
    this.served = served;
    this.reactor.own(served.server as NonNullable<RunningMetrics['server']>);
  }

  /** Counts read now (cheap: no iteration over connections); `/metrics` reports more, per protocol and listener. */
  metrics(): ApplicationMetrics {
    return {
      connections: this.reactor.connections.size,
      liveScopes: this.reactor.liveScopes,
      listeners: this.bound.length,
      pendingTimers: this.reactor.pendingTimers,
    };
  }

  /**
   * @internal
   * Runs the singletons' `onInit` (bootstrap, before binding; the testing kit's `t.init()`). On a
   * failure, closes the application (what was initialised is shut down) and throws
   * `TORSION_ERR_INIT_FAILED`.
   */
  async init(): Promise<void> {
    try {
      await this.lifecycle.init();
    } catch (error) {
      await this.close({ timeoutMs: 0 });
      throw error;
    }
  }

  /**
   * Shuts down gracefully: stops accepting; on every connection, after the frames already
   * received and any handler in flight, runs `@OnShutdown` (its value is written), flushes the
   * replies and sends FIN, reads and discards until the peer's FIN (or a 2 s linger), and closes;
   * waits for `@OnClose` handlers. Connections still open after `timeoutMs` (default 5 s) are
   * destroyed. Then the providers' `onShutdown()` run in reverse initialisation order (bounded by
   * what is left of `timeoutMs`, at least 1 s), then the singletons' `dispose()`; timers are
   * cancelled. Idempotent: every call returns the first call's promise.
   *
   * @returns what happened: duration, connections closed and aborted (per protocol), `@Connect`
   * clients closed, frames discarded.
   */
  close(options: CloseOptions = {}): Promise<ShutdownReport> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) return Promise.reject(new OptionError(`close({ timeoutMs }) needs a finite number of ms >= 0, got ${timeoutMs}`));
    this.closing ??= this.shutdown(timeoutMs);
    return this.closing;
  }

  private async shutdown(timeoutMs: number): Promise<ShutdownReport> {
    const deadline = Date.now() + timeoutMs;
    const report = await this.reactor.stop({ timeoutMs });
    const hooks = this.lifecycle.shutdown();
    const left = Math.max(deadline - Date.now(), MIN_HOOKS_MS);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), left)));
    if ((await Promise.race([hooks, late])) === 'late') this.reactor.logger.warn('a provider\'s onShutdown() or dispose() has not settled; close goes on without it');
    clearTimeout(timer);
    this.onClosed?.();
    this.onClosed = undefined;
    return report;
  }

  /** @internal Binds every planned listener; on failure unbinds what was bound and throws. */
  async listen(): Promise<void> {
    const accept = (plan: BindPlan, socket: Socket, transport: string, proxied?: ProxyHeaderRead): void => this.accept(plan, socket, transport, proxied);
    for (const declared of this.plans) {
      // The listener's counters; labelled with its address once bound (port 0 resolved).
      const stats = new ConnectionStats(declared.table.name, `${declared.transport}://pending`);
      declared.table.stats.endpoints.push(stats);
      const plan: BindPlan = { ...declared, stats };
      let listener: Listener;
      try {
        listener = await (binders.get(plan.transport) as NonNullable<ReturnType<typeof binders.get>>)(plan, accept, { container: this.container, reactor: this.reactor });
      } catch (error) {
        await this.close({ timeoutMs: 0 });
        const where = plan.options.path ?? `${plan.options.host ?? '*'}:${String(plan.options.port)}`;
        const code = (error as NodeJS.ErrnoException).code;
        const fix = code === 'EADDRINUSE' ? ': another process holds it; choose another port or stop that process' : '';
        throw new BootstrapError(code === 'EADDRINUSE' ? 'TORSION_ERR_ADDRESS_IN_USE' : 'TORSION_ERR_LISTEN', `${plan.table.name} cannot listen on ${plan.transport} ${where}: ${describe(error)}${fix}`, { target: plan.table.name, cause: error });
      }
      stats.listener = `${listener.address.transport}://${formatAddress(listener.address)}`;
      this.reactor.own(listener);
      this.bound.push({ protocol: plan.table.protocol, address: listener.address, stats: plan.limiter.stats });
      this.reactor.logger.info({ protocol: plan.table.name }, `listening ${listener.address.transport} ${formatAddress(listener.address)}`);
    }
  }

  private accept(plan: BindPlan, socket: Socket, transport: string, proxied?: ProxyHeaderRead): void {
    // Every plan the binders get carries its listener's stats (see listen()).
    const stats = plan.stats as ConnectionStats;
    if (!this.reactor.running) {
      stats.refuse('shutting_down');
      socket.destroy();
      return;
    }
    // Limits first: a refused socket costs no Connection, protocol instance or DI scope.
    const limiter = plan.limiter;
    // The same getter SocketConnection reads its remoteAddress from (node caches it), so the
    // connection's close releases the key admitted here; behind a proxy, the header's client.
    // Read only for a per-peer limit: getpeername(2) and its address object were ~5% of a
    // connection's cost (callgrind, line-echo connect → line → close).
    const client = proxied?.header.destination === undefined ? undefined : proxied.header.source;
    const peer = !limiter.countsPeers ? undefined : client === undefined ? socket.remoteAddress : client.address;
    const refused = limiter.admit(peer);
    if (refused !== undefined) {
      stats.refuse(refused === 'maxConnections' ? 'max_connections' : 'max_connections_per_peer');
      limiter.logRefusal(this.reactor, plan.table.name, `${client?.address ?? socket.remoteAddress ?? '?'}:${client?.port ?? socket.remotePort ?? 0}`, refused);
      refuseSocket(socket, limiter.refuseMessage);
      return;
    }
    // The listener's socket options are on the socket already: its binder set them (see listenStream).
    const conn = new SocketConnection(socket, this.reactor, plan.table.codec, plan.table.writeHighWaterMark, transport, 'server', proxied);
    limiter.track(conn);
    // An @OnClose handler may name the peer, after the socket has forgotten it.
    if (plan.table.onClose !== undefined) conn.keepPeer();
    attachProtocol(this.container, this.reactor, plan.table, conn, stats, plan.idle);
    // Bytes that came with the header are the stream's first: the protocol reads them now.
    if (proxied?.rest !== undefined && conn.state === 'open') conn.receivedAhead(proxied.rest);
  }
}

/** `host:port` (IPv6 hosts in brackets) or the socket path. */
export function formatAddress(address: BoundAddress): string {
  if (address.path !== undefined) return address.path;
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
