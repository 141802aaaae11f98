import { injectable } from 'tsyringe';
import { addEnhancers, addHandlerMisuse, addRoute, setCatch, type EnhancerKind } from '../metadata';
import type { Enhancer, ExceptionFilter, Guard, Interceptor } from './enhancers';
import type { CommandOptions } from './options';

/** True when the decorator sits on a method; records the misuse (reported at bootstrap) otherwise. */
function onMethod(prototype: object, key: string | symbol, descriptor: PropertyDescriptor | undefined, name: string): boolean {
  const isStatic = typeof prototype === 'function';
  if (isStatic || descriptor === undefined || typeof descriptor.value !== 'function') {
    const owner = isStatic ? (prototype as Function) : prototype.constructor;
    const what = isStatic ? 'a static member' : descriptor === undefined ? 'a property' : 'an accessor';
    addHandlerMisuse(owner, `@${name}() on ${String(key)}, which is ${what}, not a method`);
    return false;
  }
  return true;
}

/**
 * Routes frames whose command (per the protocol's router) is `command`, or one of several
 * (`@OnCommand(['QUIT', 'EXIT'])`), to this method, with the router's arguments spread into its
 * parameters: `@OnCommand('SET') set(key, value, ...rest)`. A returned value is the reply, as
 * for `@OnData`. `options` adds an arity check and a state condition (`CommandOptions`). Routes
 * are compiled into one Map at bootstrap; a command routed twice is a `BootstrapError`
 * (`TORSION_ERR_DUPLICATE_ROUTE`).
 *
 * @example
 * ```ts
 * @Protocol({ codec: lines(), router: words() })
 * class Kv {
 *   private readonly data = new Map<string, string>();
 *   @OnCommand('SET', { minArgs: 2, maxArgs: 2 }) set(key: string, value: string) { this.data.set(key, value); return 'OK'; }
 *   @OnCommand('GET', { minArgs: 1, maxArgs: 1 }) get(key: string) { return this.data.get(key) ?? 'NOT_FOUND'; }
 *   @OnUnknownCommand() unknown(name: string) { return `ERR unknown command ${name}`; }
 * }
 * ```
 */
export function OnCommand(command: string | readonly string[], options: CommandOptions = {}): MethodDecorator & PropertyDecorator {
  const commands = typeof command === 'string' ? [command] : [...command];
  return (prototype: object, key: string | symbol, descriptor?: PropertyDescriptor) => {
    if (onMethod(prototype, key, descriptor, 'OnCommand')) addRoute(prototype, { commands, method: key, options });
  };
}

/**
 * Takes frames no `@OnCommand` route matches, called as `(command, ...args)` (`command`
 * undefined when the frame has none). Without it, such frames go to `@OnData` if the protocol
 * has one, else get the router's `unknown` reply.
 */
export function OnUnknownCommand(): MethodDecorator & PropertyDecorator {
  return (prototype: object, key: string | symbol, descriptor?: PropertyDescriptor) => {
    if (onMethod(prototype, key, descriptor, 'OnUnknownCommand')) addRoute(prototype, { commands: undefined, method: key, options: {} });
  };
}

function enhancerDecorator(kind: EnhancerKind, items: readonly unknown[]): ClassDecorator & MethodDecorator {
  return ((target: object, key?: string | symbol) => {
    addEnhancers(kind, target, key, items);
  }) as ClassDecorator & MethodDecorator;
}

/**
 * Guards on a protocol (every routed handler) or one handler: each decides whether a frame
 * reaches the handler (see `Guard`); protocol guards run first, then the handler's, in order.
 */
export function UseGuards(...guards: Array<Enhancer<Guard>>): ClassDecorator & MethodDecorator {
  return enhancerDecorator('guards', guards);
}

/** Interceptors around a protocol's routed handlers or one handler (see `Interceptor`); the first listed is outermost. */
export function UseInterceptors(...interceptors: Array<Enhancer<Interceptor>>): ClassDecorator & MethodDecorator {
  return enhancerDecorator('interceptors', interceptors);
}

/**
 * Exception filters for a protocol's routed handlers or one handler (see `ExceptionFilter`).
 * An error is offered to the handler's filters, then the protocol's, then the application's
 * (`bootstrap(M, { filters })`); the first whose `@Catch` matches answers it.
 */
export function UseFilters(...filters: Array<Enhancer<ExceptionFilter>>): ClassDecorator & MethodDecorator {
  return enhancerDecorator('filters', filters);
}

/**
 * The error classes an exception filter answers (`instanceof`); `@Catch()` with none answers
 * every error. Also makes the class injectable, so it may take services.
 */
export function Catch(...types: Function[]): ClassDecorator {
  return (target) => {
    setCatch(target, types);
    injectable()(target as unknown as new (...args: any[]) => unknown);
  };
}
