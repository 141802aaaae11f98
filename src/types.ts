import type { InjectionToken } from 'tsyringe';

/** Any class (abstract ones included): protocols, modules, services. */
export type Constructor<T = unknown> = abstract new (...args: any[]) => T;
/** A class that can be instantiated. */
export type ConcreteConstructor<T = unknown> = new (...args: any[]) => T;

/** What a provider is registered under and a constructor parameter asks for: a class, a string or a symbol (tsyringe's InjectionToken). */
export type Token<T = unknown> = InjectionToken<T>;

/** Names a token for error messages. */
export function tokenName(token: unknown): string {
  if (typeof token === 'function') return token.name || '<anonymous class>';
  if (typeof token === 'symbol') return token.toString();
  if (typeof token === 'string') return JSON.stringify(token);
  if (token !== null && typeof token === 'object' && 'token' in token) return tokenName((token as { token: unknown }).token);
  return String(token);
}

/** tsyringe types tokens as concrete classes; abstract classes (Connection, Logger) are fine at run time. */
export function classToken<T>(cls: Constructor<T>): InjectionToken<T> {
  return cls as unknown as InjectionToken<T>;
}

/**
 * Why a connection ended:
 * - done: a clean end by either side (the peer's FIN, our `end()`, `app.close()`);
 * - lost: the transport failed (a socket error: ECONNRESET, EPIPE...);
 * - timeout: an idle timeout of `@Protocol({ idle })` fired and no `@OnIdle` handler kept it open;
 * - aborted: `destroy()` was called (also on the connections `app.close()` destroys when its
 *   `timeoutMs` runs out);
 * - error: a handler or the codec failed; `error` says how.
 */
export interface CloseReason {
  /** How it ended; each kind is described on `CloseReason`. */
  readonly kind: 'done' | 'lost' | 'aborted' | 'error' | 'timeout';
  /**
   * What ended it: always set for 'error'; for 'lost', the socket error; for 'aborted', the
   * error given to `destroy()`; for 'timeout', the `FrameTimeoutError` of a frame timeout.
   * Absent otherwise.
   */
  readonly error?: Error;
}

/** Which idle timeout fired (`@OnIdle(kind)`): nothing read, nothing written, or neither. */
export type IdleKind = 'read' | 'write' | 'all';
