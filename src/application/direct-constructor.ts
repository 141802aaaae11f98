import type { DependencyContainer } from 'tsyringe';
import type { DirectConstructor } from '../dispatch/handler-table';
import { Logger } from '../logger';
import { Connection } from '../transport/connection';
import type { ConcreteConstructor, Token } from '../types';
import { constructorDeps } from './dependencies';
import type { AppGraph } from './module-graph';

const CONNECTION = Symbol('connection');
const LOGGER = Symbol('logger');

/**
 * A child container per connection costs ~1.6 KB and a resolve per accept. When a protocol
 * injects only singletons, values and the per-connection `Connection`/`Logger`, that container
 * would be unobservable: build the instance directly from dependencies resolved once here.
 * Returns undefined when anything is connection-scoped, transient, optional or an alias; those
 * protocols keep the child container.
 */
export function directConstructor(protocol: ConcreteConstructor<object>, graph: AppGraph, root: DependencyContainer, globals: ReadonlySet<unknown>): DirectConstructor | undefined {
  const args: unknown[] = [];
  for (const dep of constructorDeps(protocol, protocol.name)) {
    if (dep.optional) return undefined;
    if (dep.token === Connection) args.push(CONNECTION);
    else if (dep.token === Logger) args.push(LOGGER);
    else if (globals.has(dep.token)) args.push(root.resolve(dep.token as Token));
    else {
      const record = graph.providers.get(dep.token as Token);
      if (record === undefined || record.kind === 'existing' || (record.kind !== 'value' && record.scope !== 'singleton')) return undefined;
      args.push(root.resolve(dep.token as Token));
    }
  }
  if (args.length === 0) return () => new protocol();
  if (!args.includes(CONNECTION) && !args.includes(LOGGER)) return () => new protocol(...args);
  if (args.length === 1 && args[0] === CONNECTION) return (connection) => new protocol(connection);
  return (connection) => {
    const actual = args.slice();
    for (let i = 0; i < actual.length; i++) {
      if (actual[i] === CONNECTION) actual[i] = connection;
      else if (actual[i] === LOGGER) actual[i] = connection.log;
    }
    return new protocol(...actual);
  };
}
