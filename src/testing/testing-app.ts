import type { InjectionToken } from 'tsyringe';
import { compileApplication, type BootstrapOptions } from '../application/bootstrap';
import type { Application, CloseOptions } from '../application/application';
import type { ShutdownReport } from '../reactor/shutdown-report';
import { attachProtocol } from '../transport/open-protocol';
import type { ConnectionLimiter } from '../transport/connection-limiter';
import type { IdleTimes } from '../dispatch/handler-table';
import { ClosedError, OptionError, ProxyProtocolError, TorsionError } from '../errors';
import type { Logger } from '../logger';
import { getListens } from '../metadata';
import type { Reactor } from '../reactor/reactor';
import type { Constructor } from '../types';
import type { ModuleImport } from '../decorators/options';
import { ephemeralPort, MemoryConnection, type MemoryConnectionOptions } from './memory-connection';
import { ProxyHeaderDecoder, proxiedEnds } from '../transport/proxy-header';
import { countProxyRefusal } from '../transport/proxy-reader';
import { toBuffer } from './split';
import { MemoryLogger } from './memory-logger';
import { drive } from './memory-loop';
import { pump, pumpOnce, type PumpOptions, type PumpReport } from './pump';
import { settleAll, TestConnection, type SettleOptions } from './test-connection';
import { nextTurn } from './turns';
import { ClockRunawayError } from './errors';
import { VirtualClock } from './virtual-clock';
import { openDatagramSocket, udpOptions } from '../transport/udp';
import type { DatagramAddress, DatagramSocket } from '../transport/udp-socket';
import { MemoryDatagramWire } from './memory-datagram-wire';

/**
 * A UDP protocol served in memory (`t.bindDatagram`), the datagram counterpart of
 * `TestConnection`: the production UDP socket and dispatch — codec, `@OnData(datagram, sender)`,
 * replies to the sender, per-datagram errors — over a `MemoryDatagramWire`.
 * `wire.inject(bytes, from)` delivers a datagram; `wire.sent` records what was sent.
 */
export interface TestDatagramSocket<T> {
  /** The protocol instance serving the socket. */
  readonly protocol: T;
  /** What the protocol injects as `DatagramSocket` (send, write, counters). */
  readonly socket: DatagramSocket;
  /** Inject datagrams here; read what was sent and the socket options set here. */
  readonly wire: MemoryDatagramWire;
}

/** Due times `TestingApp.advance` steps through before it calls the clock runaway. */
const MAX_ADVANCE_STEPS = 100_000;

/** Options of `createTestingApp`: those of `bootstrap`, with a virtual clock. */
export interface TestingAppOptions extends Omit<BootstrapOptions, 'clock'> {
  /**
   * Replace providers by token, as a value, class or factory, in the same forms as module
   * providers (NestJS's `overrideProvider`): `{ provide: Mailer, useValue: fakeMailer }`.
   * Overriding a token no module provides is a `BootstrapError`.
   */
  overrides?: BootstrapOptions['overrides'];
  /** The clock the reactor runs on. Default a new `VirtualClock` at 0 ms. */
  clock?: VirtualClock;
  /** Default a `MemoryLogger` (see `t.logs`), so tests print nothing. */
  logger?: Logger;
}

/** The peer's address, as the protocol sees it (`conn.remoteAddress`/`remotePort`). */
export interface PeerAddress {
  /** Default '127.0.0.1'. */
  address?: string;
  /** Default a fresh ephemeral port. */
  port?: number;
}

/** Options of `t.connect`. */
export interface TestConnectOptions {
  /** Who the peer is. */
  peer?: PeerAddress;
  /** Our side's address; default '127.0.0.1' and the protocol's first `@Listen` port. */
  local?: PeerAddress;
  /** What `conn.transport` reports; default 'memory'. */
  transport?: string;
  /** The peer keeps its side open after ours ends, until `peerClose()` (see `MemoryConnectionOptions.halfOpenPeer`). Default false. */
  halfOpen?: boolean;
  /**
   * The PROXY protocol header the peer (a proxy) sends first, on a protocol whose first `@Listen`
   * has `proxyProtocol`: read with the listener's own decoder and settings, as a socket's would
   * be. The connection then has the header's client as its remote end (`peer` is the proxy's,
   * kept in `conn.proxy.socket`) and bytes after the header are its first input; a header the
   * listener refuses gives a connection `refused: 'proxyProtocol'`, closed, counted and logged,
   * with no protocol built. Default: none (the connection is made as if already past the header).
   */
  proxyHeader?: Uint8Array | string;
}

/** Options of `t.connectPair`. */
export interface ConnectPairOptions {
  /** The application serving the server side; default this one (a client and its server in one app). */
  server?: TestingApp;
  /** What both sides' `conn.transport` reports; default 'memory'. */
  transport?: string;
}

/**
 * Two protocols of torsion connected back to back through memory: bytes move when `pump()` is
 * called. Made by `t.connectPair(Client, Server)`.
 */
export class TestPair<C, S> {
  constructor(
    /** The client side (the protocol that "dialled"). */
    readonly client: TestConnection<C>,
    /** The server side (the protocol that "accepted"). */
    readonly server: TestConnection<S>,
  ) {}

  /** Moves bytes both ways until quiet (see `pump()`); bounded, throws `PumpError`. */
  pump(options?: PumpOptions): Promise<PumpReport> {
    return pump(this.client, this.server, options);
  }
}

/**
 * An application compiled like `bootstrap` compiles it (same module graph, validation, errors,
 * DI container and singletons) but bound to no port: connections are made in memory with
 * `connect`/`connectPair`, and time is a `VirtualClock`. What `createTestingApp` returns.
 */
export class TestingApp {
  /** Records of the default `MemoryLogger`; empty when a logger was passed in the options. */
  readonly logs: MemoryLogger;
  private readonly connections = new Set<MemoryConnection>();
  private readonly pairs = new Set<TestPair<unknown, unknown>>();

  constructor(
    /** The compiled application (its reactor, container, metrics), never listening. */
    readonly app: Application,
    /** The virtual clock its reactor runs on. */
    readonly clock: VirtualClock,
    logs: MemoryLogger,
  ) {
    this.logs = logs;
  }

  /** The application's reactor (timers run on `clock`). */
  get reactor(): Reactor {
    return this.app.reactor;
  }

  /**
   * Resolves a provider from the application's root container (NestJS's `moduleRef.get`):
   * a singleton, an override, the `Reactor`...
   */
  get<T>(token: InjectionToken<T> | Constructor<T>): T {
    return this.app.container.resolve(token as InjectionToken<T>);
  }

  /**
   * Opens an in-memory connection served by a new instance of `protocol`, exactly as an accepted
   * socket is: its own DI scope (so `Connection`, connection-scoped providers and overrides
   * resolve as in production), the protocol's codec, ordered dispatch; `@OnConnect` has run when
   * this returns. Throws when the application is closed or the protocol is not in its modules,
   * and `TORSION_ERR_PROTOCOL_FAILED` (cause: the original error) when the instance cannot be built.
   *
   * The connection limits of the protocol's first `@Listen` apply (`maxConnections`,
   * `maxConnectionsPerPeer` by `options.peer.address`), counted in `app.listenerStats(protocol)`
   * with the same object the real listener uses: a refused connection comes back closed, with
   * `refused` set to the reason, no protocol instance (`protocol` is undefined), and the
   * listener's `refuseMessage` as what the peer received (`c.text()`).
   *
   * @typeParam T the protocol's instance type, so `c.protocol` is typed.
   */
  connect<T>(protocol: Constructor<T>, options: TestConnectOptions = {}): TestConnection<T> {
    const listener = this.app.firstListener(protocol);
    const memory = {
      remoteAddress: options.peer?.address,
      remotePort: options.peer?.port,
      localAddress: options.local?.address,
      localPort: options.local?.port ?? listenPort(protocol),
      transport: options.transport,
      halfOpenPeer: options.halfOpen ?? false,
    };
    if (options.proxyHeader === undefined) return this.open(protocol, memory, listener);
    return this.connectProxied(protocol, memory, listener, toBuffer(options.proxyHeader));
  }

  /** `connect` with a PROXY header first: the listener's decoder reads it, its rule sets the ends. */
  private connectProxied<T>(protocol: Constructor<T>, memory: MemoryConnectionOptions, listener: ReturnType<Application['firstListener']>, header: Buffer): TestConnection<T> {
    const settings = listener?.proxy;
    if (listener === undefined || settings === undefined) throw new OptionError(`${protocol.name}'s first @Listen has no proxyProtocol: only such a listener reads a proxyHeader`);
    const own = { remoteAddress: memory.remoteAddress ?? '127.0.0.1', remotePort: memory.remotePort ?? ephemeralPort(), localAddress: memory.localAddress ?? '127.0.0.1', localPort: memory.localPort ?? 0 };
    const decoder = new ProxyHeaderDecoder(settings.accept, settings.maxHeaderBytes);
    let read;
    try {
      read = decoder.push(header);
    } catch (error) {
      if (!(error instanceof ProxyProtocolError)) throw error;
      const table = this.app.table(protocol);
      countProxyRefusal(this.app.reactor, { table, limiter: listener.limiter, stats: table.stats.endpoint('memory') }, `${own.remoteAddress}:${own.remotePort}`, error);
      const conn = new MemoryConnection(this.app.reactor, table.codec, { ...memory, ...own, writeHighWaterMark: table.writeHighWaterMark });
      drive(() => conn.destroy(error));
      return new TestConnection(undefined as T, conn, table.codec, 'proxyProtocol');
    }
    if (read === undefined) throw new OptionError(`proxyHeader holds ${header.length} bytes, not a whole PROXY header: a listener would wait for the rest (then time out after ${settings.timeoutMs} ms)`);
    const { proxy, ...ends } = proxiedEnds(read.header, own);
    const c = this.open(protocol, { ...memory, ...ends, proxy }, listener);
    if (read.rest !== undefined && c.refused === undefined) c.send(read.rest);
    return c;
  }

  /**
   * Connects an instance of `client` (from this app) to an instance of `server` (from
   * `options.server`, default this app) back to back: each side's `remoteAddress` is the other's
   * local one, and bytes move between them when the pair is pumped (`await pair.pump()`).
   * Both sides are half-open, as torsion's TCP connections are.
   */
  connectPair<C, S>(client: Constructor<C>, server: Constructor<S>, options: ConnectPairOptions = {}): TestPair<C, S> {
    const serverApp = options.server ?? this;
    const clientPort = ephemeralPort();
    const serverPort = listenPort(server);
    const s = serverApp.open(server, { remotePort: clientPort, localPort: serverPort, transport: options.transport, halfOpenPeer: true });
    let c: TestConnection<C>;
    try {
      c = this.open(client, { remotePort: serverPort, localPort: clientPort, transport: options.transport, halfOpenPeer: true });
    } catch (error) {
      s.connection.destroy();
      throw error;
    }
    const pair = new TestPair(c, s);
    this.pairs.add(pair as TestPair<unknown, unknown>);
    if (serverApp !== this) serverApp.pairs.add(pair as TestPair<unknown, unknown>);
    return pair;
  }

  /**
   * Serves `protocol` (a `@Listen({ transport: 'udp' })` class of this app) on an in-memory
   * datagram socket bound to `local` (default 127.0.0.1 and the declared port), with the codec
   * and limits its `@Listen` declares. `@OnConnect` has run when this returns; `t.close()`
   * closes it (running `@OnClose`).
   */
  bindDatagram<T>(protocol: Constructor<T>, options: { local?: DatagramAddress } = {}): TestDatagramSocket<T> {
    const reactor = this.app.reactor;
    if (!reactor.running) throw new ClosedError(`cannot bind ${protocol.name}: the testing app is closing`);
    const table = this.app.table(protocol);
    const declared = getListens(protocol).find((l) => l.transport === 'udp');
    if (declared === undefined) throw new OptionError(`${protocol.name} has no @Listen({ transport: 'udp' }): use t.connect() for stream protocols`);
    this.checkInitialised(`bind ${protocol.name}`);
    const settings = udpOptions(declared, table);
    const wire = new MemoryDatagramWire({ local: options.local ?? { address: '127.0.0.1', port: declared.port ?? 0 }, maxDatagramSize: settings.codec.maxSize });
    const served = drive(() => openDatagramSocket(this.app.container, reactor, table, wire, settings, table.stats.endpoint('memory')));
    wire.onDatagram((data, from) => served.received(data, from));
    reactor.own(served);
    return { protocol: served.protocol as T, socket: served, wire };
  }

  /** Waits until every open connection of this app is idle (see `TestConnection.settle`). */
  async settle(options: SettleOptions = {}): Promise<void> {
    await settleAll(this.connections, options);
  }

  /**
   * Advances the virtual clock by `ms` in steps, one due time after another, letting the event
   * loop turn after each (so an async handler that awaits one timer and then sets the next is
   * followed within the same advance), and once more at the end. Use `clock.advance(ms)` for a
   * purely synchronous advance, and `settle()` to wait for handlers to finish.
   */
  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new OptionError(`advance(ms) needs a finite ms >= 0, got ${ms}; time never goes back`);
    const target = this.clock.now() + ms;
    // Bounded like VirtualClock.advance: a handler re-arming callLater(0) after an await would
    // otherwise keep this loop at the same instant forever.
    for (let steps = 0; ; steps++) {
      const due = this.clock.nextDue();
      if (due === undefined || due > target) break;
      if (steps >= MAX_ADVANCE_STEPS) throw new ClockRunawayError(steps, this.clock.now());
      this.clock.advance(due - this.clock.now());
      await nextTurn();
    }
    this.clock.advance(target - this.clock.now());
    await nextTurn();
  }

  /**
   * Runs the providers' `onInit()` in dependency order, awaited, as `bootstrap` does before it
   * binds anything (`compileApplication` is synchronous, so the kit cannot). The rule: when a
   * singleton of the app has an `onInit`, call `await t.init()` before `connect`,
   * `connectPair` or `bindDatagram`, which otherwise throw `TORSION_ERR_NOT_INITIALISED`; apps
   * without one need no call. Idempotent. A failure is `TORSION_ERR_INIT_FAILED` (a
   * `BootstrapError` naming the class), after what was initialised has been shut down and the
   * app closed.
   */
  init(): Promise<void> {
    return this.app.init();
  }

  /**
   * Shuts the application down like `Application.close` and resolves to its `ShutdownReport`:
   * `@OnShutdown` runs on every connection after what it already received, replies are
   * flushed, each connection ends, `@OnClose` handlers run, connections still open after
   * `timeoutMs` are destroyed (the deadline is reached in real time, or when the virtual clock
   * is advanced past it), then the providers' `onShutdown()` and `dispose()` run. Pairs keep
   * being pumped meanwhile, so both sides see each other's FIN.
   */
  async close(options: CloseOptions = {}): Promise<ShutdownReport> {
    const stopping = this.app.close(options);
    if (this.pairs.size === 0) return stopping;
    let done = false;
    const finished = stopping.finally(() => (done = true));
    while (!done) {
      for (const pair of this.pairs) pumpOnce(pair.client.connection, pair.server.connection);
      await nextTurn();
    }
    return finished;
  }

  /** Connecting before `init()` when a provider has an `onInit` would serve with uninitialised services. */
  private checkInitialised(what: string): void {
    const lifecycle = this.app.lifecycle;
    if (lifecycle.initialised) return;
    const pending = lifecycle.initialisers;
    if (pending.length === 0) return;
    throw new TorsionError('TORSION_ERR_NOT_INITIALISED', `cannot ${what}: ${pending.join(', ')} ${pending.length === 1 ? 'has' : 'have'} onInit(), which has not run; call await t.init() first`);
  }

  private open<T>(protocol: Constructor<T>, options: ConstructorParameters<typeof MemoryConnection>[2], listener?: { readonly limiter: ConnectionLimiter; readonly idle?: IdleTimes }): TestConnection<T> {
    const limiter = listener?.limiter;
    const reactor = this.app.reactor;
    if (!reactor.running) throw new ClosedError(`cannot connect ${protocol.name}: the testing app is closing`);
    this.checkInitialised(`connect ${protocol.name}`);
    const table = this.app.table(protocol);
    const conn = new MemoryConnection(reactor, table.codec, { ...options, writeHighWaterMark: table.writeHighWaterMark });
    this.connections.add(conn);
    void conn.finished.then(() => this.connections.delete(conn));
    if (limiter !== undefined) {
      // The accept path's own limiter: refused as a socket is (message, then closed), no protocol built.
      const refused = limiter.admit(conn.remoteAddress);
      if (refused !== undefined) {
        limiter.logRefusal(reactor, table.name, `${conn.remoteAddress}:${conn.remotePort}`, refused);
        const message = limiter.refuseMessage;
        drive(() => {
          if (message !== undefined) conn.write(message);
          conn.end();
        });
        return new TestConnection(undefined as T, conn, table.codec, refused);
      }
      limiter.track(conn);
    }
    const instance = drive(() => attachProtocol(this.app.container, reactor, table, conn, table.stats.endpoint('memory'), listener === undefined ? table.idle : listener.idle));
    if (instance === undefined) {
      throw new TorsionError('TORSION_ERR_PROTOCOL_FAILED', `building ${protocol.name} for an in-memory connection failed: ${conn.closeReason?.error?.message ?? 'unknown error'}`, { cause: conn.closeReason?.error });
    }
    return new TestConnection(instance as T, conn, table.codec);
  }
}

/**
 * Compiles `rootModule` into a `TestingApp` (NestJS's `Test.createTestingModule(...).compile()`,
 * Twisted's `MemoryReactor`): the same `compileApplication` as `bootstrap`, so a graph that
 * would fail at bootstrap fails here with the same `BootstrapError`, but nothing is bound.
 * Providers can be overridden by token; the reactor runs on a `VirtualClock`; logs are kept in
 * memory. `rootModule` is a `@Module` class or a configured module (`ChatModule.configure({ ... })`).
 * Close it in `afterEach` (`await t.close()`). When a provider has an `onInit()`, call
 * `await t.init()` before connecting (see `TestingApp.init`).
 *
 * @example
 * const t = createTestingApp(AppModule, { overrides: [{ provide: Greeting, useValue: { text: () => 'hi' } }] });
 * const c = t.connect(Echo, { peer: { address: '203.0.113.7' } });
 * c.send('ping\n');
 * expect(c.frames()).toEqual(['hi', 'ping']);
 * await t.close();
 */
export function createTestingApp(rootModule: ModuleImport, options: TestingAppOptions = {}): TestingApp {
  const clock = options.clock ?? new VirtualClock();
  const logs = new MemoryLogger();
  const app = compileApplication(rootModule, { ...options, clock, logger: options.logger ?? logs });
  return new TestingApp(app, clock, logs);
}

function listenPort(protocol: Constructor): number {
  return getListens(protocol)[0]?.port ?? 0;
}
