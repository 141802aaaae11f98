import { RespCommandRouter } from '../codec/resp-router';
import type { Router } from '../codec/router';
import type { ExceptionFilter, Guard, Interceptor, RouteContext } from '../decorators/enhancers';
import type { Handler } from '../dispatch/handler-table';
import { ForbiddenError } from '../errors';
import { isThenable } from '../thenable';
import { Connection } from '../transport/connection';
import type { DatagramAddress } from '../transport/udp-socket';

/**
 * The per-frame side of routing: what a routed protocol's `onData` runs. Compiled at bootstrap
 * (compile-routes.ts) into one Map from command to `CompiledRoute`; a frame costs the router's
 * `key` and `args`, a Map lookup (a second one, upper-cased, only on a case miss), the route's
 * checks and one `apply`. Guards, interceptors and filters are paid for only by the routes that
 * have them: a context object per frame for guards and interceptors, a try/catch for filters
 * (their context is built only when one runs). Sync stays sync: a promise appears only when a
 * guard, interceptor, handler or filter returns one, and the dispatcher then holds the
 * connection's next frames until it settles, so replies keep frame order.
 */

/** How a route's handler is called. */
export const enum RouteKind {
  /** `@OnCommand`: `handler(...args)`. */
  Command,
  /** `@OnUnknownCommand`: `handler(command, ...args)`. */
  Unknown,
  /** `@OnData` (no route matched, or a protocol without routes): `handler(frame)`. */
  Data,
}

/** An exception filter and the error classes its `@Catch` names (empty: every error). */
export interface FilterEntry {
  readonly filter: ExceptionFilter;
  readonly types: readonly Function[];
}

/** Returned by `check` when the route's conditions hold. */
const PASS: unique symbol = Symbol('pass');

/** One routed handler, compiled. Enhancers are filled in by `bindRoutes` once the container exists. */
export class CompiledRoute {
  /** Protocol guards, then the handler's, built. */
  guards: readonly Guard[] = [];
  /** Protocol interceptors (outermost), then the handler's. */
  interceptors: readonly Interceptor[] = [];
  /** The handler's filters, then the protocol's, then the application's. */
  filters: readonly FilterEntry[] = [];
  /** Guards or interceptors: a context is built for every frame. */
  contextual = false;

  constructor(
    readonly kind: RouteKind,
    /** The command as declared (the first of several); undefined for `@OnUnknownCommand` / `@OnData`. */
    readonly route: string | undefined,
    readonly method: string,
    readonly fn: Handler,
    readonly minArgs: number,
    readonly maxArgs: number,
    readonly when: ((protocol: object) => boolean) | undefined,
  ) {}
}

/** A `RouteContext`, one class so every context has one shape. */
class Context implements RouteContext {
  /** The datagram's sender: a UDP protocol's handlers get it where a stream's get the connection. */
  readonly sender: DatagramAddress | undefined;

  constructor(
    readonly protocol: object,
    readonly connection: Connection,
    readonly command: string | undefined,
    readonly route: string | undefined,
    readonly method: string,
    readonly args: unknown[],
    readonly frame: unknown,
  ) {
    this.sender = connection instanceof Connection ? undefined : (connection as unknown as DatagramAddress);
  }
}

/** One protocol's compiled routes: `handler` is what the handler table's `onData` becomes. */
export class RoutePlan {
  /** The table's `onData`: `this` is the protocol instance, the dispatcher passes the connection second. */
  readonly handler: Handler;
  /** Frames are arrays `[command, ...args]` (respCommand): routes may take their arguments from the frame in place. */
  private readonly positional: boolean;

  constructor(
    /** Undefined for a protocol without routes whose `@OnData` has guards, interceptors or filters. */
    readonly router: Router | undefined,
    readonly routes: ReadonlyMap<string, CompiledRoute>,
    /** Takes what no route matches: `@OnUnknownCommand`, else `@OnData`; undefined: the router's reply. */
    readonly fallback: CompiledRoute | undefined,
  ) {
    this.positional = router instanceof RespCommandRouter;
    this.handler = routedHandler(this);
  }

  /** Every compiled route, the fallback included, once each. */
  allRoutes(): CompiledRoute[] {
    const out = new Set(this.routes.values());
    if (this.fallback !== undefined) out.add(this.fallback);
    return [...out];
  }

  /** Routes one frame; returns the reply (a value, a promise of one, or undefined). */
  dispatch(instance: object, frame: unknown, connection: Connection): unknown {
    const router = this.router;
    if (router === undefined) return this.run(this.fallback as CompiledRoute, instance, frame, undefined, connection);
    const command = router.key(frame);
    let route: CompiledRoute | undefined;
    if (command !== undefined) {
      route = this.routes.get(command);
      if (route === undefined && router.caseInsensitive) route = this.routes.get(command.toUpperCase());
    }
    if (route === undefined) {
      route = this.fallback;
      if (route === undefined) return router.replies.unknown(command, frame);
    }
    if (this.positional && route.kind === RouteKind.Command && !route.contextual) return this.runPositional(route, instance, frame as readonly unknown[], command, connection);
    return this.run(route, instance, frame, command, connection);
  }

  /**
   * The common case of array frames (`[command, ...args]`, RESP): a route without guards or
   * interceptors is checked on the frame itself and called with its elements as arguments, so
   * no arguments array is made (the handler's own rest parameter aside). Same checks, same
   * order, same filters as `run`.
   */
  private runPositional(r: CompiledRoute, instance: object, frame: readonly unknown[], command: string | undefined, connection: Connection): unknown {
    const count = frame.length - 1;
    if (r.when !== undefined && !r.when(instance)) return (this.router as Router).replies.sequence(r.route as string);
    if (count < r.minArgs || count > r.maxArgs) return (this.router as Router).replies.arity(r.route as string, count);
    if (r.filters.length === 0) return callPositional(r.fn, instance, frame, count);
    let result: unknown;
    try {
      result = callPositional(r.fn, instance, frame, count);
    } catch (error) {
      return this.filter(r, new Context(instance, connection, command, r.route, r.method, frame.slice(1), frame), error);
    }
    if (!isThenable(result)) return result;
    return Promise.resolve(result).then(undefined, (error: unknown) => this.filter(r, new Context(instance, connection, command, r.route, r.method, frame.slice(1), frame), error));
  }

  private run(r: CompiledRoute, instance: object, frame: unknown, command: string | undefined, connection: Connection): unknown {
    const args = r.kind === RouteKind.Data ? undefined : (this.router as Router).args(frame);
    if (r.contextual) return this.guardFrom(r, new Context(instance, connection, command, r.route, r.method, args ?? [frame], frame), 0);
    if (args !== undefined) {
      const check = this.check(r, instance, args, frame);
      if (check !== PASS) return check;
    }
    if (r.filters.length === 0) return call(r, instance, args, command, frame, connection);
    let result: unknown;
    try {
      result = call(r, instance, args, command, frame, connection);
    } catch (error) {
      return this.filter(r, new Context(instance, connection, command, r.route, r.method, args ?? [frame], frame), error);
    }
    if (!isThenable(result)) return result;
    return Promise.resolve(result).then(undefined, (error: unknown) => this.filter(r, new Context(instance, connection, command, r.route, r.method, args ?? [frame], frame), error));
  }

  /** The route's state condition, then its arity: PASS, or the router's reply. */
  private check(r: CompiledRoute, instance: object, args: readonly unknown[], frame: unknown): unknown {
    if (r.kind !== RouteKind.Command) return PASS;
    const router = this.router as Router;
    if (r.when !== undefined && !r.when(instance)) return router.replies.sequence(r.route as string, frame);
    if (args.length < r.minArgs || args.length > r.maxArgs) return router.replies.arity(r.route as string, args.length, frame);
    return PASS;
  }

  /** Guards from the `i`th on; an async one continues in its promise. Then checks, interceptors, handler. */
  private guardFrom(r: CompiledRoute, ctx: Context, i: number): unknown {
    const guards = r.guards;
    for (; i < guards.length; i++) {
      const guard = guards[i];
      let verdict: unknown;
      try {
        verdict = guard.canActivate(ctx);
      } catch (error) {
        return this.filter(r, ctx, error);
      }
      if (isThenable(verdict)) {
        const next = i + 1;
        return Promise.resolve(verdict).then(
          (ok) => (ok ? this.guardFrom(r, ctx, next) : this.filter(r, ctx, denied(r, guard))),
          (error: unknown) => this.filter(r, ctx, error),
        );
      }
      if (!verdict) return this.filter(r, ctx, denied(r, guard));
    }
    if (r.kind !== RouteKind.Data) {
      const check = this.check(r, ctx.protocol, ctx.args, ctx.frame);
      if (check !== PASS) return check;
    }
    let result: unknown;
    try {
      result = r.interceptors.length === 0 ? callWith(r, ctx) : this.chain(r, ctx, 0);
    } catch (error) {
      return this.filter(r, ctx, error);
    }
    if (r.filters.length === 0 || !isThenable(result)) return result;
    return Promise.resolve(result).then(undefined, (error: unknown) => this.filter(r, ctx, error));
  }

  /** Interceptor `i` around the rest of the chain; the last one's `next` calls the handler. */
  private chain(r: CompiledRoute, ctx: Context, i: number): unknown {
    const next = i + 1 === r.interceptors.length ? (): unknown => callWith(r, ctx) : (): unknown => this.chain(r, ctx, i + 1);
    return r.interceptors[i].intercept(ctx, next);
  }

  /** The first filter whose `@Catch` matches answers; a denial nobody answers gets the router's `forbidden` reply; anything else is rethrown (the dispatcher's failure path: `@OnError`, close). */
  private filter(r: CompiledRoute, ctx: Context, error: unknown): unknown {
    for (const entry of r.filters) {
      if (entry.types.length === 0 || entry.types.some((type) => error instanceof type)) return entry.filter.catch(error, ctx);
    }
    // Unanswered, a denial is still an answer, not a failure: the router's reply (none without a router).
    if (error instanceof ForbiddenError) return this.router?.replies.forbidden(error.command, ctx.frame);
    throw error;
  }
}

/** The `onData` of a plan: a function whose `this` is the protocol instance, as every handler's. */
function routedHandler(plan: RoutePlan): Handler {
  return function routed(this: object, frame?: unknown, connection?: unknown): unknown {
    return plan.dispatch(this, frame, connection as Connection);
  };
}

function denied(r: CompiledRoute, guard: Guard): ForbiddenError {
  return new ForbiddenError(r.route ?? r.method, guard.constructor?.name || 'a guard');
}

function call(r: CompiledRoute, instance: object, args: unknown[] | undefined, command: string | undefined, frame: unknown, connection: Connection): unknown {
  switch (r.kind) {
    case RouteKind.Command:
      return r.fn.apply(instance, args as unknown[] as [unknown?, unknown?]);
    case RouteKind.Unknown:
      return (r.fn as (this: object, ...rest: unknown[]) => unknown).call(instance, command, ...(args as unknown[]));
    default:
      return r.fn.call(instance, frame, connection);
  }
}

/** `fn` called with `frame[1..]` as its arguments, without an arguments array for up to four. */
function callPositional(fn: Handler, instance: object, frame: readonly unknown[], count: number): unknown {
  const f = fn as (this: object, ...args: unknown[]) => unknown;
  switch (count) {
    case 0:
      return f.call(instance);
    case 1:
      return f.call(instance, frame[1]);
    case 2:
      return f.call(instance, frame[1], frame[2]);
    case 3:
      return f.call(instance, frame[1], frame[2], frame[3]);
    case 4:
      return f.call(instance, frame[1], frame[2], frame[3], frame[4]);
    default:
      return f.apply(instance, frame.slice(1));
  }
}

function callWith(r: CompiledRoute, ctx: Context): unknown {
  return call(r, ctx.protocol, r.kind === RouteKind.Data ? undefined : ctx.args, ctx.command, ctx.frame, ctx.connection);
}
