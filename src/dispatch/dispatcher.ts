import type { Decoder, FrameSink } from '../codec/codec';
import { isThenable } from '../thenable';
import type { CloseReason } from '../types';
import type { Handler, HandlerTable } from './handler-table';
import { HandlerRunner, failure, type RunnerLog } from './handler-runner';
import type { IdleTimeoutKind } from './stats';

/** What the dispatcher needs from its connection (implemented by StreamConnection). */
export interface DispatchTarget extends RunnerLog {
  readonly writeBlocked: boolean;
  /** Encodes and writes a reply (throws if the codec cannot encode it). */
  send(value: unknown): boolean;
  /** Stop (true) or allow (false) reading because too many frames are queued. */
  setQueueFull(full: boolean): void;
  beginBatch(): void;
  endBatch(): void;
  /** The dispatcher went idle (no handler in flight, nothing queued). */
  dispatchIdle(): void;
  /** The peer finished sending and every frame has been handled: end our side. */
  end(): void;
  closeWithError(error: Error): void;
  /** An idle timeout fired with no `@OnIdle` to answer it: end, reason `timeout`. */
  timedOut(): void;
}

/** The shared empty queue of connections that never queued a frame (never written to). */
const NO_QUEUE: unknown[] = [];

/** Not a frame but an event queued in the frames' order: a bad frame, an idle timeout. */
abstract class QueuedEvent {
  abstract run(dispatcher: Dispatcher): void;
}

/** A frame the codec could not decode, queued in its place so replies keep stream order. */
class FailedFrame extends QueuedEvent {
  constructor(readonly error: Error) {
    super();
  }
  run(dispatcher: Dispatcher): void {
    dispatcher.badFrame(this.error);
  }
}

/** An idle timeout that fired while frames were queued or a handler was in flight. */
class IdleEvent extends QueuedEvent {
  constructor(readonly kind: string) {
    super();
  }
  run(dispatcher: Dispatcher): void {
    dispatcher.runIdle(this.kind);
  }
}

/** `@OnShutdown`, queued behind the frames already taken when a graceful shutdown began. */
class ShutdownEvent extends QueuedEvent {
  run(dispatcher: Dispatcher): void {
    dispatcher.runShutdown();
  }
}

// Dispatcher.bits
const INPUT_ENDED = 1;
const CLOSE_HANDLED = 2;
const FAILED = 4;
/** Input read so far in this chunk is discarded (STARTTLS): set until the next chunk. */
const DISCARDING_CHUNK = 8;
/** `@OnInputEnd` has been run (once, after the peer's FIN and every frame before it). */
const INPUT_END_HANDLED = 16;

interface AsyncState {
  readonly onSettled: (value: unknown) => void;
  readonly onRejected: (error: unknown) => void;
  /** A failure met while a handler was in flight: handled once that handler settles. */
  deferredFailure: { readonly cause: unknown; readonly handlerName: string | undefined } | undefined;
}

const enum Phase {
  /** Frames are dispatched. */
  Open,
  /** No new frames are taken; queued ones still run (graceful shutdown). */
  ShuttingDown,
  /** No frames at all: the connection is ending or closed. */
  Stopped,
}

/**
 * Ordered dispatch for one connection (principle 5): frames reach `@OnData` in stream order,
 * one at a time. A sync handler's reply is written at once; an async handler holds the
 * following frames in a bounded queue until it settles, so replies leave in request order
 * (Redis pipelining semantics). Sync handlers pay no Promise.
 *
 * `@OnData` gets the connection second (a routed protocol's compiled `onData` gives it to guards).
 *
 * Flow control: past `maxQueuedFrames` queued frames the connection stops reading, and
 * resumes at `resumeQueuedFrames`; while the outgoing buffer is full nothing is dispatched.
 */
export class Dispatcher extends HandlerRunner<unknown, DispatchTarget> implements FrameSink<unknown> {
  /** Frames waiting their turn; created on the first one (most connections never queue). */
  private queue: unknown[] = NO_QUEUE;
  private head = 0;
  private phase = Phase.Open;
  /** INPUT_ENDED | CLOSE_HANDLED | FAILED | DISCARDING_CHUNK, packed (idle connections are many). */
  private bits = 0;
  /** Name of the handler whose promise is in flight; undefined when none is. */
  private pending: string | undefined = undefined;
  /** What async handlers need; created on the first one, so a sync-only protocol allocates none. */
  private async: AsyncState | undefined = undefined;
  /** Frames received but never dispatched because the connection was closing. */
  discardedFrames = 0;
  /** Resolves when `@OnClose` (if any) has settled; set by `closed`. */
  closeHandler: Promise<void> | undefined = undefined;

  /** The decoder, held only while it holds part of the stream; lent by `table.decoders` otherwise (see DecoderPool). */
  private decoder: Decoder<unknown> | undefined = undefined;

  constructor(table: HandlerTable, instance: object, conn: DispatchTarget) {
    super(table, instance, conn);
    // `phase` changes only when a connection closes; reassigned here so that V8 does not take it
    // for a constant and drop the optimized frame path at the first close (see StreamConnection).
    this.phase = Phase.Stopped;
    this.phase = Phase.Open;
  }

  /**
   * The byte stream starts over (STARTTLS): frames still queued, the rest of the current read
   * and the decoder's unfinished tail are plaintext sent after the upgrade command, and are
   * dropped (reading them as commands is the STARTTLS injection attack); a fresh decoder reads
   * what the new stream carries.
   */
  resetInput(): void {
    this.dropQueued();
    this.bits |= DISCARDING_CHUNK;
    // The next read takes a fresh decoder; the old one (and the plaintext tail it holds) goes.
    this.decoder = undefined;
  }

  /** The protocol class's name (shutdown reports count connections per protocol). */
  get protocolName(): string {
    return this.table.name;
  }

  /** A request client: its replies must be read even while its own writes are blocked (see ReplyTap). */
  get readsWhileWriteBlocked(): boolean {
    return this.table.replies !== undefined;
  }

  /** True while an async handler's promise is in flight; the connection waits for it before ending. */
  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** Frames (and deferred events) waiting their turn behind a busy handler or a full outgoing buffer. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** Bytes the decoder retains for an unfinished frame. */
  get bufferedBytes(): number {
    return this.decoder === undefined ? 0 : this.decoder.bufferedBytes;
  }

  /** The protocol's frame timeout (0: off). */
  get frameTimeoutMs(): number {
    return this.table.frameTimeoutMs;
  }

  /** A frame stayed unfinished too long (see FrameTimer): the connection fails with `error`. */
  frameTimedOut(error: Error): void {
    if (this.phase === Phase.Stopped) return;
    this.failed(error, undefined);
  }

  /** True when `start` has a handler to run (`@OnConnect`); without one, starting is a no-op. */
  get startsWithHandler(): boolean {
    return this.table.onConnect !== undefined;
  }

  /** Runs `@OnConnect` (the first job in the connection's serial order); only when `startsWithHandler`. */
  start(connection: unknown): void {
    this.invoke(this.table.onConnect as Handler, connection, this.table.names.connect, undefined);
  }

  /** One chunk from the transport; a fatal codec error fails the connection. */
  onChunk(chunk: Buffer): void {
    this.bits &= ~DISCARDING_CHUNK;
    if (this.phase !== Phase.Open) {
      this.discardedFrames++;
      return;
    }
    const decoders = this.table.decoders;
    try {
      (this.decoder ??= decoders.take()).decode(chunk, this);
    } catch (error) {
      this.failed(error as Error, undefined);
    }
    // Read up to a frame boundary: the decoder goes back (a STARTTLS meanwhile dropped it).
    const decoder = this.decoder;
    if (decoder !== undefined && decoders.give(decoder)) this.decoder = undefined;
  }

  /**
   * The decoder's sink: runs `@OnData` now when nothing is ahead of it, else queues the frame; counted as discarded once the connection is stopping, or while the rest of a chunk is dropped after STARTTLS.
   */
  frame(frame: unknown): void {
    const table = this.table;
    table.stats.framesIn++;
    // The usual case in one test; anything else is decided in `frameOtherwise`. Kept small (its
    // bytecode with `invoke` and the reply under 920 bytes) so that V8 inlines the whole way
    // from the decode loop to the codec's encode.
    if (this.phase === Phase.Open && (this.bits & DISCARDING_CHUNK) === 0 && table.replies === undefined && !this.mustWait) {
      this.invoke(table.onData, frame, table.names.data, this.endpoint);
    } else {
      this.frameOtherwise(frame);
    }
  }

  /** `frame` when the frame cannot run now: dropped, taken as a reply, or queued. */
  private frameOtherwise(frame: unknown): void {
    // Once shutting down, no new frame is taken (the rest of a chunk being decoded included).
    if (this.phase !== Phase.Open || (this.bits & DISCARDING_CHUNK) !== 0) {
      this.discardedFrames++;
      return;
    }
    // A request client's replies are taken as decoded, ahead of the queue (see ReplyTap).
    const replies = this.table.replies;
    if (replies !== undefined && replies.frame(this.instance, frame)) return;
    if (this.mustWait) {
      this.enqueue(frame);
      return;
    }
    this.invoke(this.table.onData, frame, this.table.names.data, this.endpoint);
  }

  /**
   * The decoder's sink for one undecodable frame (the stream goes on): handled in the frame's turn as a recoverable failure, so `@OnError` answers it or it is logged; dropped once the connection is stopping.
   */
  frameError(error: Error): void {
    if (this.phase !== Phase.Open || (this.bits & DISCARDING_CHUNK) !== 0) return;
    if (this.table.replies?.frameError(this.instance, error) === true) {
      this.table.stats.frameErrors++;
      return;
    }
    if (this.mustWait) {
      this.enqueue(new FailedFrame(error));
      return;
    }
    this.badFrame(error);
  }

  /** The peer sent FIN: once everything received is handled, the connection ends. */
  onInputEnd(): void {
    this.bits |= INPUT_ENDED;
    if (this.idle) this.becameIdle();
  }

  /** The outgoing buffer drained: run `@OnDrain`, then continue with queued frames. */
  onDrain(): void {
    const { onDrain } = this.table;
    if (onDrain !== undefined && this.phase !== Phase.Stopped) {
      try {
        onDrain.call(this.instance);
      } catch (error) {
        this.failed(error, this.table.names.drain);
        return;
      }
    }
    this.pump();
  }

  /**
   * Graceful shutdown: take no new frames, finish the queued ones (and a handler in flight),
   * then run `@OnShutdown` as the last job in the frames' order; once idle, the connection ends.
   */
  shutdown(): void {
    if (this.phase !== Phase.Open) return;
    this.phase = Phase.ShuttingDown;
    if (this.table.onShutdown !== undefined) {
      if (this.mustWait) {
        // Appended past the queue bound on purpose: one event, and reading is paused already.
        if (this.queue === NO_QUEUE) this.queue = [];
        this.queue.push(new ShutdownEvent());
        return;
      }
      this.runShutdown();
    }
    if (this.idle) this.becameIdle();
  }

  /** @internal (ShutdownEvent) Runs `@OnShutdown`; its value is written before the connection ends. */
  runShutdown(): void {
    if (this.phase !== Phase.ShuttingDown) return;
    this.invoke(this.table.onShutdown as Handler, undefined, this.table.names.shutdown, undefined);
  }

  /** Close has begun: drop queued frames, dispatch nothing more. */
  stop(): void {
    if (this.phase === Phase.Stopped) return;
    this.phase = Phase.Stopped;
    this.dropQueued();
  }

  /** Frames waiting their turn are dropped, and counted. */
  private dropQueued(): void {
    const queue = this.queue;
    // Most connections never queued (the shared empty queue): no `length = 0`, a runtime call, per close.
    if (queue.length === 0) return;
    // Frames (bad ones included), not events (an idle timeout, @OnShutdown) queued among them.
    for (let i = this.head; i < queue.length; i++) if (!(queue[i] instanceof QueuedEvent) || queue[i] instanceof FailedFrame) this.discardedFrames++;
    queue.length = 0;
    this.head = 0;
  }

  /** True when no handler is in flight and nothing is queued. */
  get idle(): boolean {
    return this.pending === undefined && this.head === this.queue.length;
  }

  /** True when a frame or event must wait its turn: a handler in flight, something queued, or the outgoing buffer full. */
  private get mustWait(): boolean {
    return !this.idle || this.endpoint.writeBlocked;
  }

  /**
   * True when the connection should end now that nothing is in flight: a graceful shutdown, or
   * the peer's FIN with every frame before it handled — unless the protocol has `@OnInputEnd`
   * and keeps writing, in which case only once our own output has ended too (`endOutput`).
   */
  shouldEnd(outputEnded: boolean): boolean {
    if (this.phase === Phase.ShuttingDown) return true;
    if ((this.bits & INPUT_ENDED) === 0) return false;
    return this.table.onInputEnd === undefined || outputEnded;
  }

  /**
   * Nothing in flight, nothing queued. After the peer's FIN, `@OnInputEnd` runs first (as the
   * last job in the serial order); then the connection decides whether to end.
   */
  private becameIdle(): void {
    const { onInputEnd } = this.table;
    if (onInputEnd !== undefined && this.phase === Phase.Open && (this.bits & (INPUT_ENDED | INPUT_END_HANDLED)) === INPUT_ENDED) {
      this.bits |= INPUT_END_HANDLED;
      this.invoke(onInputEnd, undefined, this.table.names.inputEnd, undefined);
      if (!this.idle) return; // async: settled() comes back here
    }
    this.endpoint.dispatchIdle();
  }

  /** The connection has closed: run `@OnClose` once. */
  closed(reason: CloseReason): void {
    this.stop();
    if ((this.bits & CLOSE_HANDLED) !== 0) return;
    this.bits |= CLOSE_HANDLED;
    const { onClose } = this.table;
    if (onClose === undefined) return;
    try {
      const result = onClose.call(this.instance, reason);
      if (isThenable(result)) {
        this.closeHandler = Promise.resolve(result).then(
          () => undefined,
          (error: unknown) => this.endpoint.log.error({ err: error }, `${this.table.name}.${this.table.names.close} failed`),
        );
      }
    } catch (error) {
      this.endpoint.log.error({ err: error }, `${this.table.name}.${this.table.names.close} failed`);
    }
  }

  private enqueue(item: unknown): void {
    if (this.queue === NO_QUEUE) this.queue = [];
    this.queue.push(item);
    if (this.queue.length - this.head >= this.table.maxQueuedFrames) this.endpoint.setQueueFull(true);
  }

  /** Runs queued frames until one is async, the output is full, or the queue is empty. */
  private pump(): void {
    const queue = this.queue;
    while (this.pending === undefined && this.phase !== Phase.Stopped && this.head < queue.length && !this.endpoint.writeBlocked) {
      const item = queue[this.head];
      queue[this.head++] = undefined;
      if (item instanceof QueuedEvent) item.run(this);
      else this.invoke(this.table.onData, item, this.table.names.data, this.endpoint);
    }
    if (this.head === queue.length && this.head > 0) {
      queue.length = 0;
      this.head = 0;
    }
    if (this.queue.length - this.head <= this.table.resumeQueuedFrames) this.endpoint.setQueueFull(false);
    if (this.idle) this.becameIdle();
  }

  protected send(value: unknown): void {
    this.endpoint.send(value);
  }

  protected peerOf(): undefined {
    return undefined; // the connection's logger already names its peer
  }

  /** An async handler: the following frames wait in the queue until it settles (reply order). */
  protected awaitResult(result: PromiseLike<unknown>, name: string): void {
    this.pending = name;
    const async = (this.async ??= { onSettled: (value) => this.settled(value), onRejected: (error) => this.rejected(error), deferredFailure: undefined });
    result.then(async.onSettled, async.onRejected);
  }

  private settled(value: unknown): void {
    const name = this.pending as string;
    this.pending = undefined;
    if (this.phase === Phase.Stopped && (this.bits & CLOSE_HANDLED) !== 0) return; // closed meanwhile: nothing to write to
    this.endpoint.beginBatch();
    try {
      if (value !== undefined) this.reply(value, name, undefined);
      const deferred = this.async?.deferredFailure;
      if (deferred !== undefined) {
        // The failure came after this handler's frame: its reply is out first, now the failure.
        (this.async as AsyncState).deferredFailure = undefined;
        this.failed(deferred.cause, deferred.handlerName);
      } else {
        this.pump();
      }
    } finally {
      this.endpoint.endBatch();
    }
  }

  private rejected(error: unknown): void {
    const name = this.pending as string;
    this.pending = undefined;
    const deferred = this.async?.deferredFailure;
    if (this.async !== undefined) this.async.deferredFailure = undefined;
    if (deferred !== undefined) this.endpoint.log.warn({ err: deferred.cause }, 'a later failure is superseded by the in-flight handler failing');
    this.endpoint.beginBatch();
    try {
      this.failed(error, name);
    } finally {
      this.endpoint.endBatch();
    }
  }

  /**
   * An idle timeout fired (see IdleWatch): `@OnIdle(kind)` runs in the frames' order (after
   * what is queued) and its value is written; without `@OnIdle` the connection ends, reason
   * `timeout`.
   */
  idleTimeout(kind: string): void {
    if (this.phase !== Phase.Open) return;
    this.table.stats.idleTimeouts[kind as IdleTimeoutKind]++;
    if (this.table.onIdle === undefined) {
      this.endpoint.timedOut();
      return;
    }
    if (this.mustWait) this.enqueue(new IdleEvent(kind));
    else this.runIdle(kind);
  }

  /** @internal (IdleEvent) */
  runIdle(kind: string): void {
    if (this.phase === Phase.Open) this.invoke(this.table.onIdle as Handler, kind, this.table.names.idle, undefined);
  }

  /** Counts a failure once, where it is decided (a deferred one comes back through `failed`). */
  private countFailure(handlerName: string | undefined): void {
    if (handlerName === undefined) this.table.stats.frameErrors++;
    else this.table.stats.handlerErrors++;
  }

  /** One undecodable frame: `@OnError` answers it (or it is logged) and the stream goes on. */
  badFrame(error: Error): void {
    this.recover(error, undefined, undefined);
  }

  /**
   * A handler or the codec failed: `@OnError` gets the original error and may reply; then the
   * connection closes with reason "error". No frame is dispatched after this.
   */
  protected failed(cause: unknown, handlerName: string | undefined): void {
    if ((this.bits & (FAILED | CLOSE_HANDLED)) !== 0) {
      // Too late to answer (closed, or already failing), but never lose an error silently.
      this.countFailure(handlerName);
      if (this.endpoint.allowLog('late failure')) this.endpoint.log.warn({ err: cause }, `${handlerName === undefined ? 'codec' : `${this.table.name}.${handlerName}`} failed after the connection began closing`);
      return;
    }
    if (this.pending !== undefined) {
      // A handler is in flight (its frame came first): let it finish and reply, then fail.
      this.stop();
      // pending is only set by an async handler, so the async state exists.
      (this.async as AsyncState).deferredFailure ??= { cause, handlerName };
      return;
    }
    this.bits |= FAILED;
    this.countFailure(handlerName);
    this.stop();
    const error = failure(this.table, handlerName, cause);
    const what = handlerName === undefined ? 'codec error' : 'handler failed';
    if (this.endpoint.allowLog(what)) this.endpoint.log.error({ err: error }, `${what}, closing`);
    const { onError } = this.table;
    if (onError === undefined || handlerName === this.table.names.error) {
      this.endpoint.closeWithError(error);
      return;
    }
    let result: unknown;
    try {
      result = onError.call(this.instance, cause);
    } catch (second) {
      this.table.stats.handlerErrors++;
      this.endpoint.log.error({ err: second }, `${this.table.name}.${this.table.names.error} failed`);
      this.endpoint.closeWithError(error);
      return;
    }
    if (isThenable(result)) {
      this.pending = this.table.names.error;
      result.then(
        (value) => {
          this.pending = undefined;
          if (value !== undefined) this.reply(value, this.table.names.error, undefined);
          this.endpoint.closeWithError(error);
        },
        (second: unknown) => {
          this.pending = undefined;
          this.table.stats.handlerErrors++;
          this.endpoint.log.error({ err: second }, `${this.table.name}.${this.table.names.error} failed`);
          this.endpoint.closeWithError(error);
        },
      );
      return;
    }
    if (result !== undefined) this.reply(result, this.table.names.error, undefined);
    this.endpoint.closeWithError(error);
  }
}


