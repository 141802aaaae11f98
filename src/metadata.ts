import 'reflect-metadata';
import type { HandlerKind } from './dispatch/handler-table';
import type { Constructor } from './types';
import type { CommandOptions, ConnectOptions, ListenOptions, ModuleOptions, ProtocolDeclaration } from './decorators/options';

export type { HandlerKind } from './dispatch/handler-table';

/**
 * The only place that reads or writes Reflect metadata. Decorators record here; bootstrap
 * reads here once and compiles plain tables, so nothing on the per-frame path touches Reflect.
 */


/** One handler decorator as recorded: which event (`@OnData`, `@OnClose`...) and the method it is on. */
export interface HandlerRecord {
  readonly kind: HandlerKind;
  readonly method: string | symbol;
}

const MODULE = Symbol('torsion:module');
const PROTOCOL = Symbol('torsion:protocol');
const LISTEN = Symbol('torsion:listen');
const HANDLERS = Symbol('torsion:handlers');
const HANDLER_MISUSE = Symbol('torsion:handler-misuse');
const CONNECT = Symbol('torsion:connect');

/**
 * Every protocol class listed by any `@Module` loaded in this process, or by a configured
 * module (`DynamicModule.protocols`) some application graph has included. Process-wide on
 * purpose: several applications may share a process (a server and its client in one test), and
 * a `@Listen` class none of them lists would silently never listen.
 */
const listedProtocols = new Set<unknown>();

/** Records `@Module` options on `target` and marks its protocols as listed (see `isListedInSomeModule`). */
export function setModule(target: Constructor, options: ModuleOptions): void {
  Reflect.defineMetadata(MODULE, options, target);
  for (const protocol of options.protocols ?? []) listedProtocols.add(protocol);
}

/** Records `protocol` as listed by a module: a configured module's protocols, seen by bootstrap. */
export function markListed(protocol: unknown): void {
  listedProtocols.add(protocol);
}

/** True when some `@Module` in the process lists `protocol`. */
export function isListedInSomeModule(protocol: unknown): boolean {
  return listedProtocols.has(protocol);
}

/** The `@Module` options declared on `target` itself (not inherited); undefined when it is not a module class. */
export function getModule(target: unknown): ModuleOptions | undefined {
  if (typeof target !== 'function') return undefined;
  return Reflect.getOwnMetadata(MODULE, target) as ModuleOptions | undefined;
}

/** Records `@Protocol` options on `target`. */
export function setProtocol(target: Constructor, options: ProtocolDeclaration): void {
  Reflect.defineMetadata(PROTOCOL, options, target);
}

/** The `@Protocol` options declared on `target` itself; undefined when it is not a protocol class. */
export function getProtocol(target: unknown): ProtocolDeclaration | undefined {
  if (typeof target !== 'function') return undefined;
  return Reflect.getOwnMetadata(PROTOCOL, target) as ProtocolDeclaration | undefined;
}

/** `@Listen` may appear several times on one class; decorators run bottom-up, so prepend. */
export function addListen(target: Constructor, options: ListenOptions): void {
  declaredEndpoints.add(target);
  const list = (Reflect.getOwnMetadata(LISTEN, target) as ListenOptions[] | undefined) ?? [];
  Reflect.defineMetadata(LISTEN, [options, ...list], target);
}

/** Every class that carries `@Listen` or `@Connect`, so bootstrap can find one left out of every module. */
const declaredEndpoints = new Set<Constructor>();

/** Every class with `@Listen` or `@Connect` loaded in the process; bootstrap reports the ones no module lists. */
export function allEndpointClasses(): ReadonlySet<Constructor> {
  return declaredEndpoints;
}

/** The class's `@Listen` options in source order (top to bottom); empty when it has none. */
export function getListens(target: Constructor): readonly ListenOptions[] {
  return (Reflect.getOwnMetadata(LISTEN, target) as ListenOptions[] | undefined) ?? [];
}

/** `@Connect` options (one per class): an outbound client started at bootstrap. */
export function setConnect(target: Constructor, options: ConnectOptions): void {
  declaredEndpoints.add(target);
  Reflect.defineMetadata(CONNECT, options, target);
}

/** The class's `@Connect` options; undefined when it has none. */
export function getConnect(target: Constructor): ConnectOptions | undefined {
  return Reflect.getOwnMetadata(CONNECT, target) as ConnectOptions | undefined;
}

/** Handler methods, recorded on the class (decorators receive the prototype). */
export function addHandler(prototype: object, record: HandlerRecord): void {
  const target = prototype.constructor;
  const list = (Reflect.getOwnMetadata(HANDLERS, target) as HandlerRecord[] | undefined) ?? [];
  Reflect.defineMetadata(HANDLERS, [...list, record], target);
}

/** Handlers declared on the class and its base classes (a subclass inherits its parent's). */
export function getHandlers(target: Constructor): readonly HandlerRecord[] {
  return alongClassChain<HandlerRecord>(HANDLERS, target);
}

/** The lists recorded under `key` on `target` and its base classes, concatenated base classes first. */
function alongClassChain<T>(key: symbol, target: Constructor): T[] {
  const out: T[] = [];
  for (let c: unknown = target; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const own = Reflect.getOwnMetadata(key, c) as T[] | undefined;
    if (own) out.unshift(...own);
  }
  return out;
}

/**
 * A handler decorator placed on something that is not a method (a field, an accessor): recorded
 * so bootstrap can fail with the class name instead of the decorator throwing at import time.
 */
export function addHandlerMisuse(target: Function, description: string): void {
  const list = (Reflect.getOwnMetadata(HANDLER_MISUSE, target) as string[] | undefined) ?? [];
  Reflect.defineMetadata(HANDLER_MISUSE, [...list, description], target);
}

/** Descriptions of handler decorators placed on non-methods of the class, for bootstrap's error; empty when none. */
export function getHandlerMisuse(target: Constructor): readonly string[] {
  return (Reflect.getOwnMetadata(HANDLER_MISUSE, target) as string[] | undefined) ?? [];
}

/**
 * Constructor parameter tokens as tsyringe will resolve them: the emitted design types,
 * overridden by `@inject(token)` (tsyringe keeps those under "injectionTokens").
 * `undefined` means the class has no emitted metadata (no decorator at all).
 */
export function getConstructorParams(target: Constructor): unknown[] | undefined {
  const design = Reflect.getMetadata('design:paramtypes', target) as unknown[] | undefined;
  const injected = Reflect.getOwnMetadata('injectionTokens', target) as Record<string, unknown> | undefined;
  if (design === undefined && injected === undefined) return undefined;
  const params = design ? [...design] : [];
  if (injected) for (const key of Object.keys(injected)) params[Number(key)] = injected[key];
  return params;
}

/** One `@OnCommand` (commands given) or `@OnUnknownCommand` (commands undefined), as recorded. */
export interface RouteRecord {
  readonly commands: readonly string[] | undefined;
  readonly method: string | symbol;
  readonly options: CommandOptions;
}

const ROUTES = Symbol('torsion:routes');

/** Records a route on the class of `prototype` (decorators receive the prototype). */
export function addRoute(prototype: object, record: RouteRecord): void {
  const target = prototype.constructor;
  const list = (Reflect.getOwnMetadata(ROUTES, target) as RouteRecord[] | undefined) ?? [];
  Reflect.defineMetadata(ROUTES, [...list, record], target);
}

/** Routes declared on the class and its base classes, base classes first. */
export function getRoutes(target: Constructor): readonly RouteRecord[] {
  return alongClassChain<RouteRecord>(ROUTES, target);
}

/** Which cross-cutting list: `@UseGuards`, `@UseInterceptors` or `@UseFilters`. */
export type EnhancerKind = 'guards' | 'interceptors' | 'filters';

const ENHANCERS: Record<EnhancerKind, symbol> = {
  guards: Symbol('torsion:guards'),
  interceptors: Symbol('torsion:interceptors'),
  filters: Symbol('torsion:filters'),
};

/**
 * Records enhancers on a class (`method` undefined: `target` is the class) or on one method
 * (`target` is the prototype). Decorators run bottom-up, so a later call is prepended: stacked
 * `@UseGuards` run top to bottom.
 */
export function addEnhancers(kind: EnhancerKind, target: object, method: string | symbol | undefined, items: readonly unknown[]): void {
  if (method !== undefined) {
    // Remembered per class, so bootstrap can refuse enhancers on a method that handles nothing.
    const owner = (target as { constructor: object }).constructor;
    const methods = (Reflect.getOwnMetadata(ENHANCED_METHODS, owner) as Array<string | symbol> | undefined) ?? [];
    if (!methods.includes(method)) Reflect.defineMetadata(ENHANCED_METHODS, [...methods, method], owner);
  }
  const list = (method === undefined ? Reflect.getOwnMetadata(ENHANCERS[kind], target) : Reflect.getOwnMetadata(ENHANCERS[kind], target, method)) as unknown[] | undefined;
  const next = [...items, ...(list ?? [])];
  if (method === undefined) Reflect.defineMetadata(ENHANCERS[kind], next, target);
  else Reflect.defineMetadata(ENHANCERS[kind], next, target, method);
}

const ENHANCED_METHODS = Symbol('torsion:enhanced-methods');

/** The methods of a class (base classes' included) that carry `@UseGuards`/`@UseInterceptors`/`@UseFilters`. */
export function getEnhancedMethods(target: Constructor): ReadonlyArray<string | symbol> {
  return alongClassChain<string | symbol>(ENHANCED_METHODS, target);
}

/** The enhancers of a protocol class (base classes' first), or of one of its methods. */
export function getEnhancers(kind: EnhancerKind, target: Constructor, method?: string | symbol): readonly unknown[] {
  if (method !== undefined) return (Reflect.getMetadata(ENHANCERS[kind], target.prototype as object, method) as unknown[] | undefined) ?? [];
  return alongClassChain<unknown>(ENHANCERS[kind], target);
}

const CATCH = Symbol('torsion:catch');

/** Records `@Catch(...types)` on an exception filter class (no types: it catches everything). */
export function setCatch(target: Function, types: readonly Function[]): void {
  Reflect.defineMetadata(CATCH, types, target);
}

/** The error types a filter class catches (empty: every error); undefined when it has no `@Catch`. */
export function getCatch(target: Function): readonly Function[] | undefined {
  return Reflect.getMetadata(CATCH, target) as Function[] | undefined;
}
