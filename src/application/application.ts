import type { Socket } from 'node:net';
import type { DependencyContainer } from 'tsyringe';
import type { ConnectTarget } from '../decorators/options';
import { openClient } from '../client/open-client';
import type { ReconnectingClient } from '../client/reconnecting-client';
import { planClients, startClients } from '../client/start-clients';
import type { HandlerTable } from '../dispatch/handler-table';
import { BootstrapError, ClosedError, TorsionError, describe } from '../errors';
import type { Reactor } from '../reactor/reactor';
import type { CloseReason, Connection } from '../transport/connection';
import { SocketConnection } from '../transport/socket-connection';
import type { BindPlan, BoundAddress, Listener } from '../transport/binder';
import { binders } from '../transport/binders';
import type { Constructor } from '../types';
import { attachProtocol } from '../transport/open-protocol';
import { refuseSocket, type ConnectionLimiter } from '../transport/connection-limiter';
import type { ListenerStats } from '../transport/listener-stats';
import { applySocketSettings } from '../transport/socket-options';
import type { ListenPlan } from './listen-plan';

/** An outbound connection driven by a protocol instance. */
export interface ClientConnection<T> {
  readonly protocol: T;
  readonly connection: Connection;
  /** Resolves with the close reason once closed (and `@OnClose` settled). */
  readonly closed: Promise<CloseReason>;
}

export interface ApplicationMetrics {
  readonly connections: number;
  /**
   * Per-connection DI scopes (child containers) not yet released. Only protocols that inject
   * something connection-scoped get one; the others are built directly, without a scope.
   */
  readonly liveScopes: number;
  readonly listeners: number;
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

  /** @internal Made by `bootstrap` (and the testing kit). */
  constructor(
    readonly reactor: Reactor,
    /** The root DI container (singletons live here). */
    readonly container: DependencyContainer,
    private readonly tables: ReadonlyMap<Constructor, HandlerTable>,
    private readonly plans: readonly ListenPlan[],
  ) {}

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

  /** @internal The limiter of `protocol`'s first `@Listen` (the testing kit applies it to `t.connect`), if it listens. */
  firstLimiter(protocol: Constructor): ConnectionLimiter | undefined {
    return this.plans.find((p) => p.table.protocol === protocol)?.limiter;
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
    return { protocol: instance as T, connection: conn, closed: conn.finished.then(() => conn.closeReason as CloseReason) };
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

  metrics(): ApplicationMetrics {
    return {
      connections: this.reactor.connections.size,
      liveScopes: this.reactor.liveScopes,
      listeners: this.bound.length,
      pendingTimers: this.reactor.pendingTimers,
    };
  }

  /**
   * Stops accepting, shuts every connection down gracefully (queued frames and in-flight handlers finish,
   * replies are flushed), waits for `@OnClose` handlers, cancels timers. Connections still
   * open after `timeoutMs` (default 5 s) are destroyed.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    return this.reactor.stop(options);
  }

  /** @internal Binds every planned listener; on failure unbinds what was bound and throws. */
  async listen(): Promise<void> {
    const accept = (plan: BindPlan, socket: Socket, transport: string): void => this.accept(plan, socket, transport);
    for (const plan of this.plans) {
      let listener: Listener;
      try {
        listener = await (binders.get(plan.transport) as NonNullable<ReturnType<typeof binders.get>>)(plan, accept, { container: this.container, reactor: this.reactor });
      } catch (error) {
        await this.reactor.stop({ timeoutMs: 0 });
        const where = plan.options.path ?? `${plan.options.host ?? '*'}:${String(plan.options.port)}`;
        const code = (error as NodeJS.ErrnoException).code;
        const fix = code === 'EADDRINUSE' ? ': another process holds it; choose another port or stop that process' : '';
        throw new BootstrapError(code === 'EADDRINUSE' ? 'TORSION_ERR_ADDRESS_IN_USE' : 'TORSION_ERR_LISTEN', `${plan.table.name} cannot listen on ${plan.transport} ${where}: ${describe(error)}${fix}`, { target: plan.table.name, cause: error });
      }
      this.reactor.own(listener);
      this.bound.push({ protocol: plan.table.protocol, address: listener.address, stats: plan.limiter.stats });
      this.reactor.logger.info({ protocol: plan.table.name }, `listening ${listener.address.transport} ${formatAddress(listener.address)}`);
    }
  }

  private accept(plan: BindPlan, socket: Socket, transport: string): void {
    if (!this.reactor.running) {
      socket.destroy();
      return;
    }
    // Limits first: a refused socket costs no Connection, protocol instance or DI scope.
    const limiter = plan.limiter;
    // The same getter SocketConnection reads its remoteAddress from (node caches it), so the
    // connection's close releases the key admitted here.
    const refused = limiter.admit(socket.remoteAddress);
    if (refused !== undefined) {
      limiter.logRefusal(this.reactor, plan.table.name, `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`, refused);
      refuseSocket(socket, limiter.refuseMessage);
      return;
    }
    applySocketSettings(socket, plan.socket);
    const conn = new SocketConnection(socket, this.reactor, plan.table.codec, plan.table.writeHighWaterMark, transport);
    limiter.track(conn);
    attachProtocol(this.container, this.reactor, plan.table, conn);
  }
}

/** `host:port` (IPv6 hosts in brackets) or the socket path. */
export function formatAddress(address: BoundAddress): string {
  if (address.path !== undefined) return address.path;
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
