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

/**
 * A request client's first look at what the decoder produces, before the frame queue (see
 * client/install-requests.ts). Replies are matched in stream order as they are decoded, not when
 * a queued frame's turn comes, so a frame that arrived before a request was made is never taken
 * for its reply; and they are taken even while the connection's own writes are blocked, which
 * is what keeps a pipelining client from deadlocking with its server (see StreamConnection).
 */
export interface ReplyTap {
  /** True when `frame` answered a request of `instance`'s connection (it goes no further). */
  frame(instance: object, frame: unknown): boolean;
  /** True when an undecodable frame was a reply (its request failed with `error`); else it goes to `@OnError`. */
  frameError(instance: object, error: Error): boolean;
}
