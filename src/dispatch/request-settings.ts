/**
 * `@Protocol({ requests })` compiled at bootstrap (see client/request-settings.ts): how a
 * protocol's replies are matched to its requests. Held by the handler table so a protocol's
 * options token can set it like its codec; read only by the request client, never by dispatch.
 */
export interface RequestSettings {
  /** Correlated mode: a request frame's id; undefined: pipelined (replies in request order). */
  readonly requestId: ((frame: unknown) => unknown) | undefined;
  /** Correlated mode: a received frame's id (undefined or null: not a reply). */
  readonly replyId: ((frame: unknown) => unknown) | undefined;
  /** Pipelined mode: frames that are not replies (server pushes). */
  readonly push: ((frame: unknown) => boolean) | undefined;
  /** Default per-request timeout, ms; 0: none. */
  readonly timeoutMs: number;
  /** Requests awaiting a reply per connection (pipelined: timed-out ones awaiting their late reply included). */
  readonly maxPending: number;
}
