import type { DependencyContainer } from 'tsyringe';
import type { ConnectOptions } from '../decorators/options';
import type { HandlerTable } from '../dispatch/handler-table';
import { BootstrapError, describe } from '../errors';
import { getConnect } from '../metadata';
import type { Reactor } from '../reactor/reactor';
import type { Constructor } from '../types';
import { checkTarget } from './dial';
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
      // Checked now, or every attempt would fail the same way, retried forever.
      checkTarget(options);
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
    reactor.own(client, 'client');
    clients.set(plan.table.protocol, client);
    client.start();
  }
  return clients;
}
