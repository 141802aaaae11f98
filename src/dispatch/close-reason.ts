// Lives in dispatch/ because dispatch hands it to `@OnClose`; transport/ re-exports it with Connection.

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
  readonly kind: 'done' | 'lost' | 'aborted' | 'error' | 'timeout';
  readonly error?: Error;
}
