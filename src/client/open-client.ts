import type { DependencyContainer } from 'tsyringe';
import { attachProtocol } from '../transport/open-protocol';
import type { HandlerTable } from '../dispatch/handler-table';
import { ClosedError, TorsionError } from '../errors';
import type { Reactor } from '../reactor/reactor';
import { SocketConnection } from '../transport/socket-connection';
import type { ConnectTarget } from '../decorators/options';
import { applySocketSettings } from '../transport/socket-options';
import { clientProxyHeader } from '../transport/proxy-header-encode';
import { checkTarget, describeTarget, dialStream } from './dial';

/** A connected client: its protocol instance and connection. */
export interface OpenedClient {
  readonly instance: object;
  readonly connection: SocketConnection;
}

/**
 * Dials `target` and serves the connection with a new instance of `table`'s protocol, in its
 * own DI scope like an accepted connection (`@OnConnect` runs before this resolves).
 * Rejects with ConnectError (refused, timeout), ClosedError (the app closed meanwhile), or
 * TORSION_ERR_PROTOCOL_FAILED when the protocol instance could not be built.
 */
export async function openClient(container: DependencyContainer, reactor: Reactor, table: HandlerTable, target: ConnectTarget): Promise<OpenedClient> {
  // Checked before dialling: a bad option is an OptionError, not a failed connection.
  const { transport, socket: settings, idle } = checkTarget(target, table.idle);
  const socket = await dialStream(reactor, target, table.writeHighWaterMark);
  if (!reactor.running) {
    socket.destroy();
    throw new ClosedError(`connected ${table.name} to ${describeTarget(target)}, but the application is closing`);
  }
  applySocketSettings(socket, settings);
  // Before the connection exists, so the header is the first thing on the wire.
  if (target.proxyProtocol !== undefined) socket.write(clientProxyHeader(target.proxyProtocol, socket));
  const conn = new SocketConnection(socket, reactor, table.codec, table.writeHighWaterMark, transport, 'client');
  // A client dials few connections, and its logs name the server even after a reset.
  conn.keepPeer();
  const instance = attachProtocol(container, reactor, table, conn, table.stats.endpoint('client'), idle);
  if (instance === undefined) {
    throw new TorsionError('TORSION_ERR_PROTOCOL_FAILED', `building ${table.name} for the connection to ${transport} ${describeTarget(target)} failed`, { cause: conn.closeReason?.error });
  }
  return { instance, connection: conn };
}
