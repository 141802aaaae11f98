import type { DependencyContainer } from 'tsyringe';
import { Dispatcher } from '../dispatch/dispatcher';
import type { HandlerTable, IdleTimes } from '../dispatch/handler-table';
import type { ConnectionStats } from '../dispatch/stats';
import { Logger } from '../logger';
import type { Reactor } from '../reactor/reactor';
import { classToken, type Constructor } from '../types';
import { Connection } from './connection';
import type { StreamConnection } from './stream-connection';

/** A protocol instance built for one endpoint, and how to release what was built with it. */
export interface BuiltProtocol {
  readonly instance: object;
  /** Releases the endpoint's DI scope (disposing what it holds); call once, when it has closed. */
  release(): void;
}

/**
 * Builds a protocol instance in the endpoint's own DI scope, for UDP sockets and for stream
 * connections whose protocol injects something per connection: a child container holding the
 * endpoint under `token` (`Connection` or `DatagramSocket`) and its `Logger` (a child of the
 * app's, naming the peer or socket). A stream protocol that needs nothing per connection but
 * those two is built by `attachProtocol` straight from `table.direct` (no container: see
 * direct-constructor.ts). Throws what building threw, having released what it made.
 */
export function buildProtocol(root: DependencyContainer, reactor: Reactor, table: HandlerTable, token: Constructor, endpoint: { readonly log: Logger }): BuiltProtocol {
  const scope = root.createChildContainer();
  scope.register(classToken(token), { useValue: endpoint });
  scope.register(classToken(Logger), { useFactory: endpointLogger(token) });
  reactor.liveScopes++;
  const release = (): void => {
    reactor.liveScopes--;
    // Disposes scoped services that implement dispose(); nothing else holds the scope.
    Promise.resolve(scope.dispose()).catch((error: unknown) => reactor.logger.warn({ err: error }, 'disposing a protocol scope failed'));
  };
  try {
    return { instance: scope.resolve(table.protocol as never) as object, release };
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * Builds the protocol for a stream connection and starts dispatch on it (`@OnConnect` runs).
 * The connection counts in `endpoint` (its listener's stats, or the protocol's outbound or
 * in-memory ones) from now on. Returns the instance, or undefined when it could not be built:
 * the connection then closes with that error.
 */
export function attachProtocol(root: DependencyContainer, reactor: Reactor, table: HandlerTable, conn: StreamConnection, endpoint: ConnectionStats, idle: IdleTimes | undefined = table.idle): object | undefined {
  conn.stats = endpoint;
  endpoint.opened++;
  endpoint.open++;
  let instance: object;
  try {
    // Built directly when it can be (most protocols): no container and no BuiltProtocol per accept.
    const direct = table.direct;
    if (direct !== undefined) {
      instance = direct(conn);
      const release = directRelease(instance, reactor);
      if (release !== undefined) conn.onRelease = release;
    } else {
      const built = buildProtocol(root, reactor, table, Connection, conn);
      instance = built.instance;
      conn.onRelease = built.release;
    }
  } catch (error) {
    return failed(table, conn, error);
  }
  conn.attach(new Dispatcher(table, instance, conn));
  if (idle !== undefined && conn.state === 'open') conn.watchIdle(idle);
  return instance;
}

/** A container would dispose a disposable protocol at close: a directly built one keeps that contract. */
function directRelease(instance: object, reactor: Reactor): (() => void) | undefined {
  return typeof (instance as { dispose?: unknown }).dispose === 'function' ? () => disposeQuietly(instance, reactor) : undefined;
}

const loggers = new Map<Constructor, (scope: DependencyContainer) => Logger>();

/** The endpoint's own logger, built only if something injects it (one factory per token, not per endpoint). */
function endpointLogger(token: Constructor): (scope: DependencyContainer) => Logger {
  let factory = loggers.get(token);
  if (factory === undefined) {
    factory = (scope) => (scope.resolve(classToken(token)) as { readonly log: Logger }).log;
    loggers.set(token, factory);
  }
  return factory;
}

function failed(table: HandlerTable, conn: StreamConnection, error: unknown): undefined {
  if (conn.allowLog('building a protocol failed')) conn.log.error({ err: error }, `building ${table.name} for a new connection failed, closing it`);
  conn.closeWithError(error as Error);
  return undefined;
}

function disposeQuietly(instance: object, reactor: Reactor): void {
  try {
    Promise.resolve((instance as { dispose(): unknown }).dispose()).catch((error: unknown) => reactor.logger.warn({ err: error }, 'disposing a protocol failed'));
  } catch (error) {
    reactor.logger.warn({ err: error }, 'disposing a protocol failed');
  }
}
