import type { Handler, HandlerKind, HandlerTable } from '../dispatch/handler-table';
import type { ReplyTap } from '../dispatch/request-settings';
import { RequestError } from '../errors';
import type { Reactor } from '../reactor/reactor';
import type { Connection } from '../transport/connection';
import { Requester } from './requester';

/** The handler name of the request client's own handlers (in errors and logs), where the protocol has none. */
export const REQUESTS_NAME = '@Protocol({ requests })';

/**
 * `@OnData` of a protocol that declares `requests` and no `@OnData`: a frame no request takes.
 * Pipelined, that is a reply to nothing — the peer and we disagree on the order, so every later
 * reply would answer the wrong request: the connection fails (`TORSION_ERR_UNEXPECTED_REPLY`,
 * `@OnError`, reason `error`). Correlated, it is a reply whose request timed out (or an id we
 * never sent): dropped, counted in `Requester.unmatched` (or a notification: dropped), logged
 * rate-limited; the connection goes on.
 */
export function unansweredFrame(this: object, frame: unknown, conn?: unknown): undefined {
  const requester = Requester.ofInstance(this);
  if (requester === undefined || !requester.correlated) {
    throw new RequestError('TORSION_ERR_UNEXPECTED_REPLY', `a frame came while no request was pending, and ${requester?.protocol ?? 'the protocol'} has no @OnData for unsolicited frames: add @OnData(), or requests.push for server pushes`);
  }
  const log = requester.log;
  if (log.allowLog('unanswered reply')) log.log.warn({ conn: (conn as Connection | undefined)?.id }, `${requester.protocol}: dropped a frame that answers no pending request (its request timed out, or it is unsolicited)`);
  return undefined;
}

/** The one reply tap of every request client: the connection's Requester, found by its protocol instance. */
const REPLY_TAP: ReplyTap = {
  frame: (instance, frame) => Requester.ofInstance(instance)?.take(frame) === true,
  frameError: (instance, error) => Requester.ofInstance(instance)?.failOldest(error) === true,
};

/**
 * Makes a protocol that declares `@Protocol({ requests })` a request client, at bootstrap (like
 * the metrics histogram's timed `@OnData`); other protocols pay one property check per frame.
 *
 * - `@OnConnect` is wrapped: a `Requester` is built for the connection first (so `@OnConnect`
 *   can make requests);
 * - `@OnClose` is wrapped: pending requests reject with `ConnectionClosedError`, before the
 *   protocol's own `@OnClose` runs;
 * - the table's `replies` tap sees each frame as it is decoded, before the frame queue: one that
 *   answers a request settles it and goes no further; an undecodable one (`FrameError`, or an
 *   oversized frame skipped) fails the oldest pipelined request, whose reply it was, so later
 *   replies stay in step. The rest go to `@OnData` / `@OnError` as usual.
 */
export function installRequests(table: HandlerTable, reactor: Reactor): void {
  const settings = table.requests;
  if (settings === undefined) return;
  const { onConnect, onClose, name } = table;
  const names = table.names as Record<HandlerKind, string>;
  const connect: Handler = function (this: object, conn?: unknown) {
    Requester.register(new Requester(conn as Connection, settings, reactor, name), this);
    return onConnect?.call(this, conn);
  };
  const close: Handler = function (this: object, reason?: unknown) {
    Requester.ofInstance(this)?.closed(reason as Parameters<Requester['closed']>[0]);
    return onClose?.call(this, reason);
  };
  Object.assign(table, { onConnect: connect, onClose: close, replies: REPLY_TAP });
  names.connect ??= REQUESTS_NAME;
  names.close ??= REQUESTS_NAME;
}
