import type { ClassProvider, FactoryProvider, ExistingProvider } from '../decorators/options';
import { BootstrapError } from '../errors';
import { getConstructorParams } from '../metadata';
import { tokenName, type Constructor, type Token } from '../types';
import type { AppGraph, ModuleNode, ProviderRecord } from './module-graph';

/** Tokens every app provides. `connectionTokens` exist only inside a connection's scope. */
export interface BuiltinTokens {
  readonly global: ReadonlySet<unknown>;
  readonly connection: ReadonlySet<unknown>;
}

// Design types emitted for parameters typed as interfaces, unions or primitives: not tokens.
const NOT_A_TOKEN = new Set<unknown>([undefined, null, Object, Function, String, Number, Boolean, Symbol, Array, Promise, BigInt]);

/**
 * One constructor parameter (or factory `inject` entry) to check: the token it resolves, and whether a missing provider is allowed (`@inject(token, { isOptional })`, `@injectAll`).
 */
export interface Dependency {
  readonly token: unknown;
  readonly optional: boolean;
}

/**
 * Checks, without constructing anything, that every protocol's and provider's dependencies
 * can be resolved where they are declared, that scopes fit (a singleton cannot hold a
 * per-connection object), and that singletons form no cycle.
 */
export function checkDependencies(graph: AppGraph, builtins: BuiltinTokens): void {
  for (const { cls, module } of graph.protocols) {
    checkAll(`${cls.name}`, constructorDeps(cls, cls.name), module, graph, builtins, true);
  }
  for (const record of graph.providers.values()) {
    const perConnection = record.scope !== 'singleton';
    const owner = `the provider ${tokenName(record.token)} (in ${record.module.name})`;
    checkAll(owner, providerDeps(record), record.module, graph, builtins, perConnection);
  }
  findCycle(graph);
}

function checkAll(owner: string, deps: Dependency[], module: ModuleNode, graph: AppGraph, builtins: BuiltinTokens, perConnection: boolean): void {
  deps.forEach((dep, index) => {
    const at = `parameter #${index} of ${owner}`;
    if (NOT_A_TOKEN.has(dep.token)) {
      const type = dep.token === undefined || dep.token === null ? 'no type' : `type ${(dep.token as Function).name}`;
      throw new BootstrapError('TORSION_ERR_NO_TOKEN', `cannot inject ${at}: it has ${type} (an interface, union or primitive?), so there is no token to resolve; inject it with @inject(TOKEN) and provide TOKEN`, { target: ownerName(owner) });
    }
    if (builtins.global.has(dep.token)) return;
    if (builtins.connection.has(dep.token)) {
      if (perConnection) return;
      throw new BootstrapError('TORSION_ERR_SCOPE', `cannot inject ${at}: ${tokenName(dep.token)} exists once per connection, but ${owner} is a singleton; give it { scope: 'connection' } or pass the connection as an argument`, { target: ownerName(owner) });
    }
    if (module.visible.has(dep.token as Token)) {
      const record = graph.providers.get(dep.token as Token) as ProviderRecord;
      if (!perConnection && record.scope === 'connection') {
        throw new BootstrapError('TORSION_ERR_SCOPE', `cannot inject ${at}: ${tokenName(dep.token)} has scope 'connection', but ${owner} is a singleton`, { target: ownerName(owner) });
      }
      return;
    }
    if (dep.optional) return;
    const provider = graph.providers.get(dep.token as Token);
    const fix =
      provider === undefined
        ? `add ${tokenName(dep.token)} to the providers of ${module.name}`
        : `${provider.module.name} provides it: export it from ${provider.module.name} and import ${provider.module.name} into ${module.name}`;
    throw new BootstrapError('TORSION_ERR_UNRESOLVED', `cannot inject ${at}: ${tokenName(dep.token)} is not provided to ${module.name}; ${fix}`, { target: ownerName(owner) });
  });
}

function ownerName(owner: string): string {
  const match = /^the provider (\S+)/.exec(owner);
  return match ? match[1] : owner;
}

/** Constructor dependencies as tsyringe will resolve them. */
export function constructorDeps(cls: Constructor, owner: string): Dependency[] {
  const params = getConstructorParams(cls);
  if (params === undefined) {
    if (cls.length === 0) return [];
    throw new BootstrapError('TORSION_ERR_NOT_INJECTABLE', `${owner} has constructor parameters but no decorator, so their types were not recorded: add @injectable() to ${cls.name}`, { target: cls.name });
  }
  return params.map(asDependency);
}

function asDependency(param: unknown): Dependency {
  // @inject(token, { isOptional }) / @injectAll record descriptors, not bare tokens.
  if (param !== null && typeof param === 'object' && 'token' in param) {
    const d = param as { token: unknown; isOptional?: boolean; multiple?: boolean };
    return { token: d.token, optional: d.isOptional === true || d.multiple === true };
  }
  return { token: param, optional: false };
}

/** What a provider depends on: constructor parameters, a factory's `inject`, an alias's target. */
export function providerDeps(record: ProviderRecord): Dependency[] {
  switch (record.kind) {
    case 'class': {
      const cls = typeof record.provider === 'function' ? record.provider : (record.provider as ClassProvider).useClass;
      return constructorDeps(cls, cls.name);
    }
    case 'factory':
      return ((record.provider as FactoryProvider).inject ?? []).map(asDependency);
    case 'existing':
      return [{ token: (record.provider as ExistingProvider).useExisting, optional: false }];
    default:
      return [];
  }
}

/** Depth-first search for a dependency cycle among providers; reports it as A -> B -> A. */
function findCycle(graph: AppGraph): void {
  const state = new Map<Token, 'visiting' | 'done'>();
  const path: Token[] = [];
  const visit = (token: Token): void => {
    const record = graph.providers.get(token);
    if (record === undefined || state.get(token) === 'done') return;
    if (state.get(token) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(token)), token].map(tokenName).join(' -> ');
      throw new BootstrapError('TORSION_ERR_CYCLE', `providers depend on each other in a cycle: ${cycle}; break it with a factory, an event, or tsyringe's delay()`, { target: tokenName(token) });
    }
    state.set(token, 'visiting');
    path.push(token);
    for (const dep of providerDeps(record)) visit(dep.token as Token);
    path.pop();
    state.set(token, 'done');
  };
  for (const token of graph.providers.keys()) visit(token);
}
