import type { Connection } from '../transport/connection';
import type { DatagramAddress } from '../transport/udp-socket';
import type { ConcreteConstructor } from '../types';

/**
 * The contracts of guards, interceptors and exception filters (NestJS's names): what
 * `@UseGuards`, `@UseInterceptors` and `@UseFilters` accept, and the context they see.
 * Types only; the runtime that calls them is compiled at bootstrap (application/route-runner.ts).
 */

/**
 * What a guard, interceptor or filter knows about the routed frame it runs for. Built only for
 * routes that have guards or interceptors (or, lazily, when a filter runs).
 *
 * @typeParam P the protocol class's instance type.
 */
export interface RouteContext<P = any> {
  /** The protocol instance of the connection (its state fields, its services). */
  readonly protocol: P;
  /**
   * The connection the frame came from. A UDP protocol has none (one instance serves the
   * socket): read `sender` there; this field then holds the same `DatagramAddress`, not a
   * `Connection`.
   */
  readonly connection: Connection;
  /** On a UDP protocol, who sent the datagram (where its reply goes); undefined on a stream connection. */
  readonly sender: DatagramAddress | undefined;
  /** The command as the peer sent it (undefined when the frame had none). */
  readonly command: string | undefined;
  /** The route as declared (`@OnCommand('MAIL')` gives 'MAIL'); undefined for `@OnUnknownCommand` / `@OnData`. */
  readonly route: string | undefined;
  /** The handler method's name. */
  readonly method: string;
  /** The handler's arguments, as the router parsed them. */
  readonly args: readonly unknown[];
  /** The frame as the codec decoded it. */
  readonly frame: unknown;
}

/**
 * Decides whether a routed frame reaches its handler (`@UseGuards`). False (or a promise of
 * false) denies it: a `ForbiddenError` goes to the exception filters, and unanswered, the
 * router's `forbidden` reply is written; the connection goes on. A throw goes to the filters
 * too. An async guard holds the connection's next frames until it settles (replies keep order).
 */
export interface Guard {
  /** True to let the frame through. */
  canActivate(context: RouteContext): boolean | PromiseLike<boolean>;
}

/**
 * Wraps a handler call (`@UseInterceptors`): code before and after it, timing, transforming
 * the result or the error. `next()` runs the rest of the chain and returns the handler's value,
 * or a promise of it when the handler is async (a sync handler stays Promise-free:
 * `isThenable`-check the value instead of awaiting it). What `intercept` returns is the reply.
 */
export interface Interceptor {
  /** Calls `next()` (or not), and returns the reply. */
  intercept(context: RouteContext, next: () => unknown): unknown;
}

/**
 * Maps an error of a routed call (the handler, a guard, an interceptor) to a reply
 * (`@UseFilters`, with `@Catch(ErrorType, ...)` on the class). Returning (a value, a promise, or
 * undefined for no reply) handles the error: the reply is written and the connection goes on.
 * Throwing (the error or another) leaves it unhandled: `@OnError` answers and the connection
 * closes, as for any handler failure.
 */
export interface ExceptionFilter<E = any> {
  /** Answers `error`; see the interface for what returning and throwing mean. */
  catch(error: E, context: RouteContext): unknown;
}

/**
 * A guard, interceptor or filter as the decorators take it: a class (built once per
 * application by the container, so it may inject services) or an instance.
 */
export type Enhancer<T> = T | ConcreteConstructor<T>;
