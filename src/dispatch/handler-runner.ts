import { HandlerError, TorsionError } from '../errors';
import { isThenable } from '../thenable';
import type { Handler, HandlerTable } from './handler-table';
import type { DurationHistogram } from './stats';

/** Where a runner logs: its connection's or socket's logger, with per-kind rate limits. */
export interface RunnerLog {
  readonly log: { error(obj: unknown, msg?: string): void; warn(obj: unknown, msg?: string): void };
  /** False when records of `kind` are over their rate limit (peers must not decide our log volume). */
  allowLog(kind: string): boolean;
}

/**
 * The one implementation of running a protocol's handlers, for every transport: stream
 * connections (`Dispatcher`: frames one at a time, in order) and datagram sockets
 * (`DatagramDispatcher`: datagrams concurrently, bounded). What they share:
 *
 * - invocation: a handler gets the frame (and, for a datagram, its sender); a value it returns
 *   is encoded and written as the reply (to that sender); a thenable is awaited per the
 *   subclass's ordering rule (`awaitResult`); a throw or a reply that cannot be encoded is a
 *   failure (`failed`);
 * - recoverable failures (a frame that could not be decoded while the stream is intact; anything
 *   that goes wrong with one datagram): `@OnError(error, sender?)` answers, or, without one, the
 *   error is logged (rate-limited); a failing `@OnError` is logged; nothing is closed (`recover`).
 *
 * What differs is what a handler failure ends: a stream connection closes with reason "error"
 * after `@OnError` answers (Dispatcher.failed); a datagram socket goes on.
 */
export abstract class HandlerRunner<S, E extends RunnerLog = RunnerLog> {
  constructor(
    protected readonly table: HandlerTable,
    /** The protocol instance whose handlers run. */
    readonly instance: object,
    /** What the handlers run for (the connection, the datagram socket): where replies go and failures are logged. */
    protected readonly endpoint: E,
  ) {}

  /** Encodes and writes a reply (to `sender` for datagrams); throws when it cannot be encoded. */
  protected abstract send(value: unknown, sender: S): void;
  /** A handler returned a thenable: wait for it as the ordering rule says, then `reply` or `failed`. */
  protected abstract awaitResult(result: PromiseLike<unknown>, name: string, sender: S): void;
  /** A handler (or the codec, `handlerName` undefined) failed. */
  protected abstract failed(cause: unknown, handlerName: string | undefined, sender: S): void;
  /** The peer, for log records that do not come with one (datagrams). */
  protected abstract peerOf(sender: S): string | undefined;

  protected invoke(handler: Handler, arg: unknown, name: string, sender: S): void {
    let result: unknown;
    try {
      result = handler.call(this.instance, arg, sender);
    } catch (error) {
      this.failed(error, name, sender);
      return;
    }
    if (result === undefined) return;
    if (isThenable(result)) {
      this.awaitResult(result, name, sender);
      return;
    }
    this.reply(result, name, sender);
  }

  protected reply(value: unknown, name: string, sender: S): void {
    try {
      this.send(value, sender);
      this.table.stats.repliesOut++;
    } catch (error) {
      this.failed(error, name, sender);
    }
  }

  /** A recoverable failure: `@OnError` answers it, or it is logged; nothing closes. */
  protected recover(cause: unknown, handlerName: string | undefined, sender: S): void {
    const { onError, names, stats } = this.table;
    if (handlerName === undefined) stats.frameErrors++;
    else stats.handlerErrors++;
    if (onError !== undefined && handlerName !== names.error) {
      this.invoke(onError, cause, names.error, sender);
      return;
    }
    const what = handlerName === undefined ? 'undecodable frame skipped' : handlerName === names.error ? 'error handler failed' : 'handler failed';
    if (!this.endpoint.allowLog(what)) return;
    const peer = this.peerOf(sender);
    const err = failure(this.table, handlerName, cause);
    this.endpoint.log.warn(peer === undefined ? { err } : { err, peer }, what);
  }
}

/** The error a failure is reported as: a handler's is wrapped in a `HandlerError` naming it. */
export function failure(table: HandlerTable, handlerName: string | undefined, cause: unknown): Error {
  if (handlerName !== undefined) return new HandlerError(table.name, handlerName, cause);
  if (cause instanceof Error) return cause;
  // A decoder that throws a non-Error breaks the codec contract; report it typed.
  return new TorsionError('TORSION_ERR_DECODER', `the decoder threw ${String(cause)}, not an Error`, { cause });
}

/**
 * `handler` timed into `durations` (an async one: until it settled). Bootstrap puts this in the
 * table in place of `@OnData` when the metrics histogram is on, so dispatch itself never checks
 * for it and a protocol without the histogram reads no clock.
 */
export function timedHandler(handler: Handler, durations: DurationHistogram): Handler {
  return function (this: object, frame?: unknown, sender?: unknown): unknown {
    const start = performance.now();
    let result: unknown;
    try {
      result = handler.call(this, frame, sender);
    } catch (error) {
      durations.observeMs(performance.now() - start);
      throw error;
    }
    if (isThenable(result)) return timed(result, durations, start);
    durations.observeMs(performance.now() - start);
    return result;
  };
}

/** A handler's thenable that records, when it settles, how long since `start` (performance.now()). */
function timed(result: PromiseLike<unknown>, durations: DurationHistogram, start: number): PromiseLike<unknown> {
  return result.then(
    (value) => {
      durations.observeMs(performance.now() - start);
      return value;
    },
    (error: unknown) => {
      durations.observeMs(performance.now() - start);
      throw error;
    },
  );
}
