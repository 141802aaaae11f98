import type { Handler, HandlerKind, HandlerTable } from '../dispatch/handler-table';
import { FrameError, FrameTooLargeError, RequestError } from '../errors';
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

/**
 * Makes a protocol that declares `@Protocol({ requests })` a request client, at bootstrap (like
 * the metrics histogram's timed `@OnData`): its handlers are wrapped once, so dispatch never
 * checks for requests and other protocols pay nothing.
 *
 * - `@OnConnect`: a `Requester` is built for the connection first (so `@OnConnect` can request);
 * - `@OnData`: a frame answering a pending request settles it and stops there;
 * - `@OnClose`: pending requests reject with `ConnectionClosedError`, before the protocol's own;
 * - `@OnError` (pipelined): a frame the codec could not decode (`FrameError`, or an oversized one)
 *   was the oldest request's reply, so that request fails with it and later replies stay in step.
 */
export function installRequests(table: HandlerTable, reactor: Reactor): void {
  const settings = table.requests;
  if (settings === undefined) return;
  const { onConnect, onData, onClose, onError, name } = table;
  const names = table.names as Record<HandlerKind, string>;
  const connect: Handler = function (this: object, conn?: unknown) {
    Requester.register(new Requester(conn as Connection, settings, reactor, name), this);
    return onConnect?.call(this, conn);
  };
  const data: Handler = function (this: object, frame?: unknown, conn?: unknown) {
    if (Requester.ofInstance(this)?.take(frame) === true) return undefined;
    return onData.call(this, frame, conn);
  };
  const close: Handler = function (this: object, reason?: unknown) {
    Requester.ofInstance(this)?.closed(reason as Parameters<Requester['closed']>[0]);
    return onClose?.call(this, reason);
  };
  Object.assign(table, { onConnect: connect, onData: data, onClose: close });
  names.connect ??= REQUESTS_NAME;
  names.close ??= REQUESTS_NAME;
  if (settings.replyId !== undefined) return;
  const error: Handler = function (this: object, cause?: unknown, sender?: unknown) {
    const undecodable = cause instanceof FrameError || cause instanceof FrameTooLargeError;
    const requester = Requester.ofInstance(this);
    const failedRequest = undecodable && requester !== undefined && requester.failOldest(cause);
    if (onError !== undefined) return onError.call(this, cause, sender);
    // Without an @OnError of the protocol's, the dispatcher would have logged a skipped frame.
    if (undecodable && !failedRequest && requester !== undefined && requester.log.allowLog('undecodable frame skipped')) {
      requester.log.log.warn({ err: cause }, 'undecodable frame skipped');
    }
    return undefined;
  };
  Object.assign(table, { onError: error });
  // The dispatcher offers a frame error to @OnError only when it is named apart from the failing handler.
  names.error ??= REQUESTS_NAME;
}
