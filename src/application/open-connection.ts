import type { DependencyContainer } from 'tsyringe';
import { Dispatcher } from '../dispatch/dispatcher';
import type { HandlerTable } from '../dispatch/handler-table';
import { Logger } from '../logger';
import type { Reactor } from '../reactor/reactor';
import { Connection } from '../transport/connection';
import type { StreamConnection } from '../transport/stream-connection';
import { classToken } from '../types';

/**
 * Gives a new connection its own DI scope (a child container holding `Connection` and a
 * connection-bound `Logger`), resolves its protocol instance there and starts dispatch.
 * The scope is released when the connection closes. Returns the protocol instance, or
 * undefined when it could not be built (the connection is then closed with that error).
 */
export function openConnection(root: DependencyContainer, reactor: Reactor, table: HandlerTable, conn: StreamConnection): object | undefined {
  const scope = root.createChildContainer();
  scope.register(classToken(Connection), { useValue: conn });
  scope.register(classToken(Logger), { useFactory: connectionLogger });
  reactor.liveScopes++;
  conn.onRelease = () => {
    reactor.liveScopes--;
    // Disposes connection-scoped services that implement dispose(); nothing else holds the scope.
    Promise.resolve(scope.dispose()).catch((error: unknown) => reactor.logger.warn({ err: error }, 'disposing a connection scope failed'));
  };
  let instance: object;
  try {
    instance = scope.resolve(table.protocol as never);
  } catch (error) {
    conn.log.error({ err: error }, `building ${table.name} for a new connection failed, closing it`);
    conn.closeWithError(error as Error);
    return undefined;
  }
  conn.attach(new Dispatcher(table, instance, conn, table.codec.createDecoder()));
  return instance;
}

/** The connection's own logger, built only if something injects it. */
function connectionLogger(scope: DependencyContainer): Logger {
  return (scope.resolve(classToken(Connection)) as StreamConnection).log;
}
