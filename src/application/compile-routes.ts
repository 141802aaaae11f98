import type { DependencyContainer } from 'tsyringe';
import { LinesCodec } from '../codec/lines';
import { RespCodec } from '../codec/resp';
import { respCommand } from '../codec/resp-router';
import { words, type Router } from '../codec/router';
import type { Enhancer, ExceptionFilter, Guard, Interceptor } from '../decorators/enhancers';
import type { CommandOptions } from '../decorators/options';
import type { Handler, HandlerTable } from '../dispatch/handler-table';
import { BootstrapError, describe } from '../errors';
import { getCatch, getEnhancedMethods, getEnhancers, getRoutes, type EnhancerKind } from '../metadata';
import type { Constructor } from '../types';
import { CompiledRoute, RouteKind, RoutePlan, type FilterEntry } from './route-runner';

/**
 * Routing compiles into the handler table: a protocol with `@OnCommand` routes (or with guards,
 * interceptors or filters on its `@OnData`) gets a `RoutePlan`'s handler as its `onData`; the
 * dispatcher runs it like any `@OnData`. Two steps: `compileRoutes` (with the protocol's
 * metadata, no container) and `bindRoutes` (guards, interceptors and filters built by the
 * container, once per application).
 */

/** The plan behind each compiled `onData`, so `bindRoutes` finds it from the table. */
const plans = new WeakMap<Handler, { readonly plan: RoutePlan; readonly protocol: Constructor }>();

/** Display name of a route's command for `onData`'s entry in the handler table's `names`. */
export const ROUTES_NAME = '@OnCommand routes';

/**
 * The routed `onData` of `protocol`, or undefined when it has no routes and no enhancers (its
 * `@OnData` runs as is). `data` is its `@OnData` method, if any. Throws `BootstrapError` naming
 * the class for a duplicate route, a bad option, or routes without a router.
 */
export function compileRoutes(protocol: Constructor, name: string, options: { router?: Router; codec?: unknown }, data: string | symbol | undefined): Handler | undefined {
  const records = getRoutes(protocol);
  // Enhancers only act on what is dispatched: on any other method they would silently do nothing.
  for (const method of getEnhancedMethods(protocol)) {
    if (method !== data && !records.some((r) => r.method === method)) {
      throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `${name}.${String(method)} has @UseGuards/@UseInterceptors/@UseFilters but is neither an @OnCommand, @OnUnknownCommand nor @OnData handler, so they would never run: put them on a route or on the class`, { target: name });
    }
  }
  const proto = protocol.prototype as Record<string | symbol, Handler>;
  if (records.length === 0) {
    if (data === undefined || !hasEnhancers(protocol, data)) return undefined;
    const plan = new RoutePlan(undefined, new Map(), new CompiledRoute(RouteKind.Data, undefined, String(data), proto[data], 0, Infinity, undefined));
    plans.set(plan.handler, { plan, protocol });
    return plan.handler;
  }
  const router = options.router ?? defaultRouter(options.codec);
  if (router === undefined) {
    const codec = (options.codec as { name?: string } | undefined)?.name ?? 'raw';
    throw new BootstrapError('TORSION_ERR_NO_ROUTER', `${name} has @OnCommand routes but its codec (${codec}) has no router: name one, e.g. @Protocol({ codec, router: field('type') }) or routeBy(frame => ...)`, { target: name });
  }
  const routes = new Map<string, CompiledRoute>();
  const owners = new Map<string, string>();
  let unknown: CompiledRoute | undefined;
  for (const record of records) {
    const method = String(record.method);
    if (record.commands === undefined) {
      if (unknown !== undefined && unknown.method !== method) {
        throw new BootstrapError('TORSION_ERR_DUPLICATE_ROUTE', `${name} has two @OnUnknownCommand() handlers (${unknown.method} and ${method}): keep one`, { target: name });
      }
      unknown = new CompiledRoute(RouteKind.Unknown, undefined, method, proto[record.method], 0, Infinity, undefined);
      continue;
    }
    if (record.commands.length === 0) throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `${name}.${method}: @OnCommand([]) names no command`, { target: name });
    const route = compileRoute(name, method, proto[record.method], record.commands[0], record.options, router);
    for (const command of record.commands) {
      if (typeof command !== 'string' || command === '') throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `${name}.${method}: @OnCommand needs non-empty strings, got ${JSON.stringify(command)}`, { target: name });
      const key = router.caseInsensitive ? command.toUpperCase() : command;
      const previous = owners.get(key);
      if (previous !== undefined && previous !== method) {
        throw new BootstrapError('TORSION_ERR_DUPLICATE_ROUTE', `${name} routes ${command} to two handlers (${previous} and ${method})${router.caseInsensitive ? ' (commands are case-insensitive)' : ''}: keep one`, { target: name });
      }
      owners.set(key, method);
      routes.set(key, route);
    }
  }
  const fallback = unknown ?? (data === undefined ? undefined : new CompiledRoute(RouteKind.Data, undefined, String(data), proto[data], 0, Infinity, undefined));
  const plan = new RoutePlan(router, routes, fallback);
  plans.set(plan.handler, { plan, protocol });
  return plan.handler;
}

function compileRoute(name: string, method: string, fn: Handler, command: string, options: CommandOptions, router: Router): CompiledRoute {
  const where = `@OnCommand(${JSON.stringify(command)}) on ${name}.${method}`;
  const minArgs = options.minArgs ?? 0;
  const maxArgs = options.maxArgs ?? Infinity;
  if (!Number.isInteger(minArgs) || minArgs < 0 || !(Number.isInteger(maxArgs) || maxArgs === Infinity) || maxArgs < minArgs) {
    throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `${where}: minArgs and maxArgs must be integers with 0 <= minArgs <= maxArgs, got ${minArgs} and ${maxArgs}`, { target: name });
  }
  return new CompiledRoute(RouteKind.Command, command, method, fn, minArgs, maxArgs, compileWhen(where, name, options.when, router));
}

function compileWhen(where: string, name: string, when: CommandOptions['when'], router: Router): ((protocol: object) => boolean) | undefined {
  if (when === undefined || typeof when === 'function') return when;
  const states = typeof when === 'string' ? [when] : [...when];
  const field = router.state;
  if (field === undefined) {
    throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `${where}: when: ${JSON.stringify(when)} compares with a state field, but the router names none: ${router.name}({ state: 'phase' }) names the protocol's field, or pass a predicate`, { target: name });
  }
  if (states.length === 1) {
    const state = states[0];
    return (protocol) => (protocol as Record<string, unknown>)[field] === state;
  }
  const allowed = new Set<unknown>(states);
  return (protocol) => allowed.has((protocol as Record<string, unknown>)[field]);
}

/** The router a codec implies: `words()` for `lines()`, `respCommand()` for `resp()`. */
function defaultRouter(codec: unknown): Router | undefined {
  if (codec instanceof LinesCodec) return words();
  if (codec instanceof RespCodec) return respCommand();
  return undefined;
}

const KINDS: readonly EnhancerKind[] = ['guards', 'interceptors', 'filters'];

function hasEnhancers(protocol: Constructor, method: string | symbol): boolean {
  return KINDS.some((kind) => getEnhancers(kind, protocol).length > 0 || getEnhancers(kind, protocol, method).length > 0);
}

/**
 * Builds each routed protocol's guards, interceptors and filters (classes once per application,
 * by the container; instances as given) and binds them to its routes; application-wide
 * `filters` go to every protocol's handlers (a protocol without routes gets a plan for them).
 * Throws `BootstrapError` for an enhancer that cannot be built or lacks its method.
 */
export function bindRoutes(tables: Iterable<HandlerTable>, container: DependencyContainer, appFilters: ReadonlyArray<Enhancer<ExceptionFilter>>): void {
  const built = new Map<Function, object>();
  for (const table of tables) {
    let entry = plans.get(table.onData);
    if (entry === undefined) {
      if (appFilters.length === 0) continue;
      const plan = new RoutePlan(undefined, new Map(), new CompiledRoute(RouteKind.Data, undefined, table.names.data, table.onData, 0, Infinity, undefined));
      entry = { plan, protocol: table.protocol };
      (table as { onData: Handler }).onData = plan.handler;
    }
    const { plan, protocol } = entry;
    const make = <T>(kind: string, method: string, item: unknown, member: string): T => build<T>(built, container, table.name, kind, method, item, member);
    const outer = { guards: getEnhancers('guards', protocol), interceptors: getEnhancers('interceptors', protocol), filters: getEnhancers('filters', protocol) };
    for (const route of plan.allRoutes()) {
      const at = route.method;
      route.guards = [...outer.guards, ...getEnhancers('guards', protocol, at)].map((g) => make<Guard>('guard', at, g, 'canActivate'));
      route.interceptors = [...outer.interceptors, ...getEnhancers('interceptors', protocol, at)].map((i) => make<Interceptor>('interceptor', at, i, 'intercept'));
      route.filters = [...getEnhancers('filters', protocol, at), ...outer.filters, ...appFilters].map((f): FilterEntry => {
        const filter = make<ExceptionFilter>('exception filter', at, f, 'catch');
        return { filter, types: getCatch(filter.constructor) ?? [] };
      });
      route.contextual = route.guards.length > 0 || route.interceptors.length > 0;
    }
  }
}

function build<T>(built: Map<Function, object>, container: DependencyContainer, protocol: string, kind: string, method: string, item: unknown, member: string): T {
  const where = `the ${kind} of ${protocol}.${method}`;
  let instance: unknown = item;
  if (typeof item === 'function') {
    instance = built.get(item);
    if (instance === undefined) {
      try {
        instance = container.resolve(item as never);
      } catch (error) {
        throw new BootstrapError('TORSION_ERR_ENHANCER', `${where}: building ${item.name} failed: ${describe(error)}; give it @injectable() and provide what it injects`, { target: protocol, cause: error });
      }
      built.set(item, instance as object);
    }
  }
  if (instance === null || typeof instance !== 'object' || typeof (instance as Record<string, unknown>)[member] !== 'function') {
    const what = typeof item === 'function' ? item.name : String(item);
    throw new BootstrapError('TORSION_ERR_ENHANCER', `${where}: ${what} has no ${member}() method, so it is not a ${kind}`, { target: protocol });
  }
  return instance as T;
}
