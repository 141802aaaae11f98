import type { DependencyContainer } from 'tsyringe';
import type { ConnectOptions } from '../decorators/connect';
import type { HandlerTable } from '../dispatch/handler-table';
import { BootstrapError, describe } from '../errors';
import { getConnect } from '../metadata';
import type { Reactor } from '../reactor/reactor';
import type { Constructor } from '../types';
import { targetTransport } from './dial';
import { ReconnectPolicy } from './reconnect-policy';
import { ReconnectingClient } from './reconnecting-client';

/** One `@Connect` client to start, its options checked. */
export interface ClientPlan {
  readonly table: HandlerTable;
  readonly target: ConnectOptions;
  readonly policy: ReconnectPolicy | undefined;
}

/** Checks every `@Connect` of the application's protocols; throws BootstrapError naming the class. */
export function planClients(tables: Iterable<HandlerTable>): ClientPlan[] {
  const plans: ClientPlan[] = [];
  for (const table of tables) {
    const options = getConnect(table.protocol);
    if (options === undefined) continue;
    try {
      const transport = targetTransport(options);
      if (transport !== 'unix' && (!Number.isInteger(options.port) || (options.port as number) < 1 || (options.port as number) > 65535)) {
        throw new Error(`a port from 1 to 65535 is needed, got ${String(options.port)}`);
      }
      if (transport === 'unix' && (typeof options.path !== 'string' || options.path === '')) {
        throw new Error(`transport 'unix' needs a socket file path`);
      }
      // Checked here too, or every attempt would fail the same way, retried forever.
      if (options.timeoutMs !== undefined && (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0)) {
        throw new Error(`timeoutMs must be a positive number, got ${String(options.timeoutMs)}`);
      }
      const policy = options.reconnect === false ? undefined : new ReconnectPolicy(options.reconnect ?? {});
      plans.push({ table, target: options, policy });
    } catch (error) {
      throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `@Connect on ${table.name}: ${describe(error)}`, { target: table.name, cause: error });
    }
  }
  return plans;
}

/** Starts every planned client; each is owned (and stopped on close) by the reactor. */
export function startClients(plans: ClientPlan[], container: DependencyContainer, reactor: Reactor): Map<Constructor, ReconnectingClient> {
  const clients = new Map<Constructor, ReconnectingClient>();
  for (const plan of plans) {
    const client = new ReconnectingClient(container, reactor, plan.table, plan.target, plan.policy);
    reactor.own(client);
    clients.set(plan.table.protocol, client);
    client.start();
  }
  return clients;
}
