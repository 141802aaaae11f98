import type { DependencyContainer } from 'tsyringe';
import { Dispatcher } from '../dispatch/dispatcher';
import type { HandlerTable } from '../dispatch/handler-table';
import { Logger } from '../logger';
import type { Reactor } from '../reactor/reactor';
import { classToken } from '../types';
import { Connection } from './connection';
import type { StreamConnection } from './stream-connection';

/**
 * Builds the protocol instance for a new connection and attaches a Dispatcher to it. It lives in
 * transport/ because both application/ (accepted sockets) and client/ (dialled ones) use it.
 * The instance comes from the connection's own DI scope (a child container holding `Connection`
 * and a connection-bound `Logger`), released when the connection closes — or, when the protocol
 * needs nothing per connection but those two, straight from `table.direct`. Returns the
 * instance, or undefined when it could not be built (the connection then closes with that error).
 * (transport/udp.ts builds its endpoint's instance with its own copy of this scope for now.)
 */
export function attachProtocol(root: DependencyContainer, reactor: Reactor, table: HandlerTable, conn: StreamConnection): object | undefined {
  let instance: object;
  if (table.direct !== undefined) {
    try {
      instance = table.direct(conn);
    } catch (error) {
      return failed(table, conn, error);
    }
    // A container would dispose a disposable protocol at close; keep that contract.
    if (typeof (instance as { dispose?: unknown }).dispose === 'function') conn.onRelease = () => disposeQuietly(instance, reactor);
    conn.attach(new Dispatcher(table, instance, conn, table.codec.createDecoder()));
    return instance;
  }
  const scope = root.createChildContainer();
  scope.register(classToken(Connection), { useValue: conn });
  scope.register(classToken(Logger), { useFactory: connectionLogger });
  reactor.liveScopes++;
  conn.onRelease = () => {
    reactor.liveScopes--;
    // Disposes connection-scoped services that implement dispose(); nothing else holds the scope.
    Promise.resolve(scope.dispose()).catch((error: unknown) => reactor.logger.warn({ err: error }, 'disposing a connection scope failed'));
  };
  try {
    instance = scope.resolve(table.protocol as never);
  } catch (error) {
    return failed(table, conn, error);
  }
  conn.attach(new Dispatcher(table, instance, conn, table.codec.createDecoder()));
  return instance;
}

/** The connection's own logger, built only if something injects it. */
function connectionLogger(scope: DependencyContainer): Logger {
  return (scope.resolve(classToken(Connection)) as StreamConnection).log;
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
