import type { Socket } from 'node:net';
import type { DependencyContainer } from 'tsyringe';
import type { HandlerTable, IdleTimes } from '../dispatch/handler-table';
import type { ConnectionStats } from '../dispatch/stats';
import type { Reactor } from '../reactor/reactor';
import type { ConnectionLimiter } from './connection-limiter';
import type { ProxyHeaderRead } from './proxy-header';
import type { ProxyProtocolSettings } from './proxy-settings';
import type { SocketSettings } from './socket-options';

/**
 * The contract between the application and a transport's binder. It lives here, with the
 * binders that provide it, so transport/ never imports application/ (imports point down only).
 */

/** Where a listener ended up bound (port 0 resolved to the real port). */
export interface BoundAddress {
  /** The protocol class's name. */
  readonly protocol: string;
  /** 'tcp', 'tls', 'unix', 'udp', or the name a custom binder is registered under. */
  readonly transport: string;
  /** The bound IP address, as the socket reports it ('127.0.0.1', '::'...); '' for a Unix socket. */
  readonly host: string;
  /** The bound port (the one the system chose, for port 0); 0 for a Unix socket. */
  readonly port: number;
  /** Unix socket path, for transport 'unix'. */
  readonly path?: string;
}

/**
 * @internal
 * The address options a binder reads. `@Listen`'s `ListenOptions` satisfies it; further keys are
 * transport-specific (TLS material, UDP type...) and each binder checks its own.
 */
export interface BindOptions {
  readonly port?: number;
  readonly host?: string;
  readonly path?: string;
  readonly backlog?: number;
  readonly [option: string]: unknown;
}

/**
 * @internal
 * One listener to bind: the protocol's compiled table, its address options and the transport
 * name, with its limits and socket options checked (the accept path reads them per socket).
 */
export interface BindPlan {
  readonly table: HandlerTable;
  readonly options: BindOptions;
  readonly transport: string;
  /** The listener's counters (set by the application when it binds the plan). */
  readonly stats?: ConnectionStats;
  /** Connection limits and counts of this listener (unlimited by default). */
  readonly limiter: ConnectionLimiter;
  /** noDelay / keepAlive for every accepted socket: the binder sets them before it hands the socket on. */
  readonly socket: SocketSettings;
  /**
   * Idle timeouts of the connections accepted here: the listener's over the protocol's (set
   * again once options from `@Protocol({ options: TOKEN })` are resolved).
   */
  idle?: IdleTimes;
  /** `@Listen({ proxyProtocol })` checked; undefined: the listener reads no PROXY header. */
  readonly proxy?: ProxyProtocolSettings;
}

/** @internal A bound listener, owned by the reactor. */
export interface Listener {
  readonly address: BoundAddress;
  close(): Promise<void>;
}

/**
 * @internal
 * Hands each accepted stream socket, its socket options set, to the application (which opens a Connection); on a
 * listener with `proxyProtocol`, once its header is read (`proxied`: the header and the bytes
 * that followed it in the same read).
 */
export type AcceptStream = (plan: BindPlan, socket: Socket, transport: string, proxied?: ProxyHeaderRead) => void;

/** @internal What a binder may use besides its plan: the root container (TLS material, UDP protocol instances) and the reactor. */
export interface BindContext {
  readonly container: DependencyContainer;
  readonly reactor: Reactor;
}

/** @internal Binds one listener; rejects with the OS error (EADDRINUSE, EACCES...). */
export type Binder = (plan: BindPlan, accept: AcceptStream, context: BindContext) => Promise<Listener>;
