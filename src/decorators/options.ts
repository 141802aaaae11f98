import type * as tls from 'node:tls';
import type { Registry } from 'prom-client';
import type { Codec } from '../codec/codec';
import type { DatagramCodec } from '../codec/datagram';
import type { Router } from '../codec/router';
import type { Constructor, ConcreteConstructor, Token } from '../types';
import type { ProxyProtocolVersion, SocketAddresses } from '../transport/proxy-header';

/**
 * The option types the decorators accept, in a leaf module of their own: `metadata.ts` stores
 * them, the decorators record them and bootstrap/client read them, so none of those needs to
 * import another to name them (which made `metadata.ts` and every decorator a cycle). Imports
 * nothing but types from the layers below.
 */

/**
 * How long one provided instance lives:
 * - singleton (default): one per application, shared by every connection;
 * - connection: one per connection (resolved in the connection's own scope; may inject `Connection`);
 * - transient: a new one for every injection.
 */
export type ProviderScope = 'singleton' | 'connection' | 'transient';

/** `{ provide, useClass }`: the token resolves to an instance of `useClass`, built by the container with its own dependencies injected. */
export interface ClassProvider<T = unknown> {
  /** The token this provider registers: what constructor parameters ask for. */
  provide: Token<T>;
  /** The class to construct for the token. */
  useClass: ConcreteConstructor<T>;
  /** How long one instance lives (see `ProviderScope`). Default 'singleton'. */
  scope?: ProviderScope;
}

/**
 * `{ provide, useValue }`: the token resolves to `useValue` itself (configuration, a test double); never constructed, so it has no scope.
 */
export interface ValueProvider<T = unknown> {
  /** The token this provider registers: what constructor parameters ask for. */
  provide: Token<T>;
  /** The instance the token resolves to. */
  useValue: T;
}

/**
 * `{ provide, useFactory, inject }`: the token resolves to what `useFactory` returns, called with the instances of `inject`: once for a singleton, once per connection, or on every injection (transient), as `scope` says.
 */
export interface FactoryProvider<T = unknown> {
  /** The token this provider registers: what constructor parameters ask for. */
  provide: Token<T>;
  /** Called with the resolved `inject` tokens, in order. */
  useFactory: (...deps: any[]) => T;
  /** The tokens whose instances `useFactory` is called with, in order. Default none. */
  inject?: Token[];
  /** How often `useFactory` is called (see `ProviderScope`). Default 'singleton': once. */
  scope?: ProviderScope;
}

/** `{ provide, useExisting }`: the token is an alias of another; both resolve to the same instance. */
export interface ExistingProvider<T = unknown> {
  /** The alias: the token this provider registers. */
  provide: Token<T>;
  /** Another token whose instance this one aliases. */
  useExisting: Token<T>;
}

/** A class (provided as itself, singleton) or one of the explicit forms. */
export type Provider<T = unknown> =
  | ConcreteConstructor<T>
  | ClassProvider<T>
  | ValueProvider<T>
  | FactoryProvider<T>
  | ExistingProvider<T>;

/**
 * What `@Module(...)` declares: the protocols it serves, the providers it offers, what it imports and what importers may see. Every field defaults to empty.
 */
export interface ModuleOptions {
  /** Protocol classes this module serves (their `@Listen`s are bound at bootstrap). */
  protocols?: Constructor[];
  /** Services available to this module's protocols and providers. */
  providers?: Provider[];
  /** Modules whose exported providers this module may inject: classes, or configured modules. */
  imports?: ModuleImport[];
  /** Provider tokens (or imported modules, re-exported whole) visible to importers. */
  exports?: Array<Token | ModuleImport>;
}

/**
 * A module configured by its user without declaring a class (NestJS's dynamic module): what a
 * module's static `configure(...)` (or `forRoot(...)`) returns, accepted wherever a module class
 * is (`bootstrap`, `createTestingApp`, another module's `imports`).
 *
 * Its `protocols`, `imports` and `exports` are added to those of `module`'s `@Module`; its
 * `providers` too, and one for a token the `@Module` already provides replaces that one (so the
 * `@Module` can hold defaults that `configure` replaces). `listen` overrides the listeners of
 * this module's protocols only; `BootstrapOptions.listen` is applied after it, and wins.
 *
 * A module class may appear in one application with one configuration: import the same object
 * everywhere (keep it in a const) rather than calling `configure` twice.
 *
 * @example
 * ```ts
 * @Module({ protocols: [ChatSession], providers: [ChatRoom] })
 * class ChatModule {
 *   static configure(options: { port: number }): DynamicModule {
 *     return { module: ChatModule, listen: [[ChatSession, { port: options.port }]] };
 *   }
 * }
 * await bootstrap(ChatModule.configure({ port: 7000 }));
 * ```
 */
export interface DynamicModule {
  /** The `@Module` class configured (its static metadata is the base). */
  module: Constructor;
  /** Protocol classes added to the module's; they count as listed for the unlisted-`@Listen` check. */
  protocols?: Constructor[];
  /** Providers added to the module's (one for a token it already provides replaces it). */
  providers?: Provider[];
  /** Modules added to the module's imports. */
  imports?: ModuleImport[];
  /** Tokens or modules added to the module's exports. */
  exports?: Array<Token | ModuleImport>;
  /** Listener overrides for this module's protocols (same forms as `BootstrapOptions.listen`). */
  listen?: ListenOverrides;
}

/** What a module's `imports` (and `bootstrap`) accept: a `@Module` class or a configured one. */
export type ModuleImport = Constructor | DynamicModule;

/** Replaces fields of a protocol's `@Listen` options (tests pass `{ port: 0 }`). */
export type ListenOverride = Partial<ListenOptions>;

/**
 * Overrides for listener addresses, applied before validation and binding:
 * - pairs (or a Map) of protocol class -> override, applied to every `@Listen` of that class;
 * - or a function of (protocol class, options, index) returning the options to use.
 */
export type ListenOverrides =
  | Iterable<readonly [Constructor, ListenOverride]>
  | ((protocol: Constructor, options: ListenOptions, index: number) => ListenOptions);

/**
 * How a protocol reads, queues and writes: its codec and flow-control limits, and its idle timeouts. Every field has a default and is validated at bootstrap.
 */
export interface ProtocolOptions {
  /**
   * How frames are read and replies written, for every transport: a stream codec (`lines()`,
   * `resp()`...; default `raw()`, each chunk a frame) for TCP, TLS and Unix listeners, a
   * datagram codec (`datagramJson()`...; default `datagramRaw()`) for UDP ones. A listener may
   * override it (`@Listen({ transport: 'udp', codec })`).
   */
  codec?: Codec<any, any> | DatagramCodec<any, any>;
  /**
   * Frames waiting behind a busy (async) handler before the connection stops reading
   * (default 1024). Reading resumes when the queue is down to `resumeQueuedFrames`.
   */
  maxQueuedFrames?: number;
  /** Default: half of `maxQueuedFrames`. */
  resumeQueuedFrames?: number;
  /**
   * Bytes the outgoing buffer may hold before `write` reports false and the connection
   * stops reading and dispatching until it drains (default 64 KiB).
   */
  writeHighWaterMark?: number;
  /**
   * Idle timeouts (Netty's IdleStateHandler), in ms; 0 or absent: off. `readMs`: nothing read
   * for that long; `writeMs`: nothing written; `allMs`: neither. `@OnIdle(kind)` is called
   * (its value is written; the connection stays open unless it ends it); without `@OnIdle` the
   * connection ends with reason `timeout`. Checked on the reactor clock at a coarse interval
   * (a quarter of the shortest timeout, at most 1 s), so one fires up to that much late.
   */
  idle?: IdleOptions;
  /**
   * A frame begun and not finished within this many ms fails the connection with a
   * `FrameTimeoutError` (`@OnError` answers, then it closes with reason `timeout`): a slowloris
   * peer cannot hold a partial frame, and its buffer, forever. Default 60 s for stream codecs
   * other than `raw()` (whose every chunk is a frame); 0 turns it off. Time while we are not
   * reading (backpressure, `pause()`) does not count.
   */
  frameTimeoutMs?: number;
  /**
   * How frames become route keys for `@OnCommand` handlers: `words()`, `respCommand()`,
   * `field('type')`, `routeBy(fn)`. Default: the codec's own (`words()` for `lines()`,
   * `respCommand()` for `resp()`); other codecs need one when the protocol has routes.
   */
  router?: Router;
  /**
   * Makes the protocol a request/response client: `request(frame, { timeoutMs })` (on
   * `app.connect`'s result, a `@Connect` client, or `requester(conn)`) writes a frame and
   * resolves with the frame that answers it. Replies are matched in order (pipelined, the
   * default) or by an id (`correlate`); see `RequestsOptions`. Frames that answer no request go to
   * `@OnData`, which such a protocol may omit. Protocols without it pay nothing.
   */
  requests?: RequestsOptions;
}

/**
 * `@Protocol({ requests })`: how replies find their requests, and the limits.
 *
 * - **Pipelined** (no `correlate`; Redis, SMTP, memcached text): the server answers requests in
 *   the order it got them, so each reply frame answers the oldest request still pending.
 * - **Correlated** (`correlate`; JSON-RPC, multiplexed protocols): the server answers in any
 *   order and echoes the request's id; a reply answers the pending request with its id.
 */
export interface RequestsOptions {
  /**
   * Correlated replies: the name of the id field of request and reply objects (`'id'`), or a
   * function of each (`{ requestId, replyId }`). Ids compare like Map keys (`1` is not `'1'`).
   * A request without an id is rejected; a reply whose id is undefined or matches no pending
   * request (a notification, an answer that came after its timeout) goes to `@OnData`, or is
   * dropped and counted (`Requester.unmatched`) when the protocol has none.
   */
  correlate?: string | RequestCorrelation;
  /**
   * Pipelined only: frames for which this returns true are not replies (a RESP3 push, a server
   * notice) and go to `@OnData` instead of answering the oldest request.
   */
  push?: (frame: any) => boolean;
  /**
   * Default timeout of each request, ms on the reactor clock (a `request()` may give its own);
   * 0: none. Default 30000. A request that times out rejects with `RequestTimeoutError`.
   */
  timeoutMs?: number;
  /**
   * Requests awaiting a reply on one connection (default 1024); one more is rejected with
   * `TORSION_ERR_TOO_MANY_REQUESTS` and not written. Pipelined requests that timed out keep
   * their place until their late reply comes, so they count.
   */
  maxPending?: number;
}

/** `RequestsOptions.correlate` as functions: where a request's id and a reply's id are. */
export interface RequestCorrelation {
  /** The id of a request frame about to be written; undefined or null rejects the request. */
  requestId(frame: any): unknown;
  /** The id of a received frame; undefined or null: not a reply (it goes to `@OnData`). */
  replyId(frame: any): unknown;
}

/** `@OnCommand(command, options)`: checks made before the handler is reached. */
export interface CommandOptions {
  /** Fewest arguments (the command itself not counted); fewer get the router's `arity` reply. */
  minArgs?: number;
  /** Most arguments; more get the router's `arity` reply. */
  maxArgs?: number;
  /**
   * The connection's state in which the command is allowed; otherwise the router's `sequence`
   * reply (SMTP's 503). A state value or several, compared with the protocol instance's field
   * the router names (`words({ state: 'phase' })`), or a predicate of the protocol instance.
   */
  when?: string | readonly string[] | ((protocol: any) => boolean);
}

/** `@Protocol({ idle })`: see `ProtocolOptions.idle`. */
export interface IdleOptions {
  /** Fires `@OnIdle('read')` after this many ms with nothing read. 0 or absent: off. */
  readMs?: number;
  /** Fires `@OnIdle('write')` after this many ms with nothing written. 0 or absent: off. */
  writeMs?: number;
  /** Fires `@OnIdle('all')` after this many ms with nothing read or written. 0 or absent: off. */
  allMs?: number;
}

/**
 * What `@Protocol(...)` accepts: `ProtocolOptions` given in place, and/or `options`, a token
 * resolved once at bootstrap (from the application's providers, typically a `useFactory` that
 * reads a configurable module's config) to `ProtocolOptions`. The resolved fields win over the
 * ones given in place, which act as defaults; both are validated the same way.
 *
 * A field (`{ options: TOKEN }`) rather than `@Protocol(TOKEN)`: a token may be a class, a
 * string or a symbol, and `@Protocol(SomeClass)` would read as if the class were the protocol's
 * codec or base; the field names what the token stands for, and leaves room for defaults beside it.
 */
export interface ProtocolDeclaration extends ProtocolOptions {
  /** A token whose provider yields this protocol's `ProtocolOptions` (codec, limits). */
  options?: Token<ProtocolOptions>;
}

/** The transports `@Listen` can bind: TCP, TLS, UDP, and Unix domain sockets. */
export type ListenTransport = 'tcp' | 'tls' | 'udp' | 'unix';

/**
 * What `@Listen(...)` binds: a port (or a Unix path) and the transport, plus transport-specific
 * options (`TlsListenOptions`, `UdpListenOptions`). Checked at bootstrap, after `ListenOverrides`.
 */
export interface ListenOptions {
  /** Port to bind; 0 picks a free one (ask the Application which). */
  port?: number;
  /** Interface to bind; default all interfaces, as with node:net and Twisted's listenTCP. */
  host?: string;
  /** Default 'tcp'. */
  transport?: ListenTransport;
  /** Unix socket path (transport 'unix'). */
  path?: string;
  /**
   * Pending-connection queue length passed to listen(2) (TCP, TLS and Unix). Default node's, 511;
   * the kernel caps it at `net.core.somaxconn`.
   */
  backlog?: number;
  /**
   * Open connections this listener allows; past it a new connection is closed at once (after
   * `refuseMessage`, if set), before any protocol instance is built, and counted in
   * `ListenerStats.refused.maxConnections`. Existing connections are never affected. Default:
   * no limit. TLS connections count once their handshake is done. Not for UDP (no connections).
   */
  maxConnections?: number;
  /**
   * Open connections one peer address may have on this listener (an IPv4-mapped IPv6 address,
   * `::ffff:1.2.3.4`, counts as `1.2.3.4`); past it a new one from that address is refused as
   * for `maxConnections`. Default: no limit. Not for UDP, nor for Unix sockets (no peer address).
   */
  maxConnectionsPerPeer?: number;
  /**
   * Written to a connection refused by a limit before it is closed, e.g.
   * `'-ERR max number of clients reached\r\n'` (at most 1024 bytes, so it fits in the socket's
   * send buffer and refusing never waits on the peer). Default: closed without a word.
   */
  refuseMessage?: string | Uint8Array;
  /** TCP_NODELAY on accepted sockets (no Nagle delay on small replies). Default true, as Netty. TCP and TLS only. */
  noDelay?: boolean;
  /** TCP keep-alive probes on accepted sockets (see `KeepAlive`). Default false. TCP and TLS only. */
  keepAlive?: KeepAlive;
  /**
   * Idle timeouts for connections accepted here: each field given replaces the protocol's
   * (`@Protocol({ idle })`), e.g. a shorter `readMs` on a public port. Not for UDP.
   */
  idle?: IdleOptions;
  /**
   * Read a PROXY protocol header (HAProxy's `send-proxy` / `send-proxy-v2`) before anything else:
   * `'v1'`, `'v2'` or `'any'`, or `{ version, timeoutMs, maxHeaderBytes }`. The protocol, from
   * `@OnConnect` on, sees the client the header names in `conn.remoteAddress`/`remotePort` (and
   * the address it reached in `localAddress`/`localPort`); `conn.proxy` has the header, v2 TLVs
   * and the socket's own addresses. A LOCAL header (the proxy's health check) or v1 UNKNOWN
   * keeps the socket's addresses. A missing, malformed or oversized header, or one not complete
   * within `timeoutMs` (default 5 s, reactor clock), closes the connection before any protocol
   * instance is built, counted in `ListenerStats.refused.proxyProtocol`; nothing is guessed.
   * Connection limits count the header's client. TCP, Unix and TLS listeners (the header comes
   * first in plaintext, the handshake after it). Default: off.
   */
  proxyProtocol?: ProxyProtocolVersion | ProxyProtocolListenOptions;
  /** Further transport-specific options (TLS material, UDP type...). */
  [option: string]: unknown;
}

/** `@Listen({ proxyProtocol: { ... } })`: the header version(s) accepted, with limits. */
export interface ProxyProtocolListenOptions {
  /** 'v1' (text), 'v2' (binary) or 'any' (told apart by the first byte). */
  version: ProxyProtocolVersion;
  /** The header must be complete within this many ms of the accept (reactor clock). Default 5000. */
  timeoutMs?: number;
  /** Largest v2 header accepted, TLVs included (232 to 65551). Default 4096. v1 lines are 107 bytes at most. */
  maxHeaderBytes?: number;
}

/**
 * `@Connect({ proxyProtocol })` / `app.connect(P, { proxyProtocol })`: send a PROXY header first.
 * `'v1'` or `'v2'` describes this connection itself (our address as the client); `{ version,
 * client }` relays another connection's client: `client` is that connection (its remote end
 * becomes the header's source, its local end the destination), as a relay like
 * `examples/port-forward` passes the client it serves on to its backend. Without IP addresses
 * (a Unix socket), v1 sends `PROXY UNKNOWN` and v2 a LOCAL header. TCP and Unix only.
 */
export type ProxyProtocolSend =
  | 'v1'
  | 'v2'
  | {
      /** 'v1' (the text header) or 'v2' (the binary one). */
      version: 'v1' | 'v2';
      /** The connection relayed: its remote end is the header's source, its local end the destination. Default: this connection itself. */
      client?: SocketAddresses;
    };

/**
 * TCP keep-alive (SO_KEEPALIVE): `false` (default) sends no probes; `true` turns them on after
 * the system's idle time (Linux: 2 h); `{ initialDelayMs }` after that many ms of silence (whole
 * seconds: the kernel counts in seconds), so a peer that vanished without a FIN or RST is found.
 */
export type KeepAlive =
  | boolean
  | {
      /** Silence before the first probe, in ms: 1000 or more, a multiple of 1000. Default: the system's idle time. */
      initialDelayMs?: number;
    };

/** Where a client connects. */
export interface ConnectTarget {
  /** 'tcp' (default), 'tls' or 'unix'. */
  transport?: string;
  /** Default '127.0.0.1'. */
  host?: string;
  /** The TCP port, 1 to 65535; required unless the transport is 'unix'. */
  port?: number;
  /** Unix socket path (transport 'unix'; a path alone implies it). */
  path?: string;
  /** Give up after this long (reactor clock); default 10 s. */
  timeoutMs?: number;
  /** TCP_NODELAY on the socket (no Nagle delay). Default true. TCP and TLS only. */
  noDelay?: boolean;
  /** TCP keep-alive probes (see `KeepAlive`). Default false. TCP and TLS only. */
  keepAlive?: KeepAlive;
  /** Idle timeouts of this client's connections: each field given replaces the protocol's (`@Protocol({ idle })`). */
  idle?: IdleOptions;
  /**
   * node:tls client options for transport 'tls': ca, servername (default: the host, unless it is
   * an IP address), cert/key for a client certificate, ALPNProtocols, minVersion (default 'TLSv1.2')...
   */
  tls?: tls.ConnectionOptions;
  /** Send a PROXY protocol header before anything else (see `ProxyProtocolSend`). Default: none. */
  proxyProtocol?: ProxyProtocolSend;
  /** Further transport-specific options. */
  [option: string]: unknown;
}

/** When a client that lost (or could not get) its connection tries again (Twisted's ReconnectingClientFactory). */
export interface ReconnectOptions {
  /** Wait before the first retry, and after a connection that was up drops. Default 500 ms. */
  initialDelayMs?: number;
  /** The wait never exceeds this. Default 30 s (or initialDelayMs, if larger). */
  maxDelayMs?: number;
  /** Each consecutive failure multiplies the wait by this (>= 1). Default 2. */
  factor?: number;
  /** Random spread as a fraction of the wait (0 to 1): 0.1 means ±10%, so clients do not retry in lockstep. Default 0.1. */
  jitter?: number;
  /** Consecutive failed attempts retried before giving up (state 'gave-up'). Default Infinity. */
  maxRetries?: number;
}

/** What `@Connect(...)` dials (a `ConnectTarget`) and whether it reconnects. */
export interface ConnectOptions extends ConnectTarget {
  /**
   * Reconnect when the connection drops or an attempt fails (default: on, with the
   * `ReconnectPolicy` defaults); `false` connects once.
   */
  reconnect?: ReconnectOptions | false;
  /**
   * The application is healthy only while this client is connected: `GET /healthz` of the
   * metrics listener (`bootstrap(M, { metrics })`) answers 503 otherwise. Default false.
   */
  required?: boolean;
}

/**
 * `bootstrap(M, { metrics })`: a small HTTP listener of its own serving `GET /metrics`
 * (Prometheus text format, through prom-client) and `GET /healthz`. Closed by `app.close()`.
 * `true` takes every default.
 */
export interface MetricsOptions {
  /** Default 9464 (Prometheus' conventional exporter port); 0 picks a free one (`app.metricsAddress`). */
  port?: number;
  /** Default '127.0.0.1': metrics stay on the machine unless you choose otherwise. */
  host?: string;
  /**
   * Keep the `@OnData` duration histogram (`torsion_handler_duration_seconds`): one clock read
   * at each end of every handler call. Default true; `false` reads no clock.
   */
  histogram?: boolean;
  /**
   * The prom-client `Registry` to register torsion's metrics in and serve (so your own metrics
   * appear beside them). Default a new one, readable as `app.metricsRegistry`.
   */
  registry?: Registry;
}
