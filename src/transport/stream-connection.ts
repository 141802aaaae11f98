import type { Codec, OutputChunks } from '../codec/codec';
import type { Dispatcher } from '../dispatch/dispatcher';
import type { Logger } from '../logger';
import type { Reactor } from '../reactor/reactor';
import { FrameTimer, type IdleEventKind, type IdleLimits, type IdleState } from '../reactor/idle-watch';
import { FrameTimeoutError } from '../errors';
import type { DelayedCall } from '../reactor/delayed-call';
import { ConnectionStats } from '../dispatch/stats';
import type { ConnectionLimiter } from './connection-limiter';
import { Connection, type CloseReason, type ConnectionState } from './connection';

// Why reading is paused; reading resumes when no reason is left.
const PAUSED_BY_USER = 1;
const PAUSED_BY_WRITES = 2;
const PAUSED_BY_QUEUE = 4;
const PAUSED_BY_CLOSE = 8;

// State flags, packed in one field.
/** `end()` was asked for; the transport ends once no handler is in flight. */
const ENDING = 1;
/** The transport was told to end or was destroyed: later writes are dropped. */
const TRANSPORT_DONE = 2;
/** Closed, and `@OnClose` has settled. */
const FINISHED = 4;
/** Holds writes gathered during another connection's batch; the reactor flushes it. */
const GATHERED = 8;
/** Our side sent its FIN (`endOutput`): later writes are dropped, reading goes on. */
const OUTPUT_ENDED = 16;
/** Writes are dropped: the output was ended, or the transport was told to end or destroyed. */
const NO_MORE_WRITES = TRANSPORT_DONE | OUTPUT_ENDED;
/** A member of the broadcast the reactor holds (`reactor.held`): it is settled before this connection writes or ends. */
const HELD = 32;
/** What a write checks before the usual path, in one test: dropped, or a held broadcast first. */
const WRITE_SLOW_PATH = NO_MORE_WRITES | HELD;
/** The transport reported a full buffer; writes return false until it drains. */
const WRITE_BLOCKED = 64;
/** @internal The first flag bit a transport subclass may use for its own state (see SocketConnection). */
export const FIRST_TRANSPORT_FLAG = 256;

let nextId = 1;

/** The usual close reason, shared (a `CloseReason` is read-only): one object less per connection. */
const DONE: CloseReason = { kind: 'done' };

/**
 * Where a connection counts before it is handed to an endpoint (`attachProtocol` does that for
 * every one a protocol serves): a sink nobody reads, so counting never needs a check.
 */
const UNCOUNTED = new ConnectionStats('', '');

/** How long an ending connection may take to flush before it is destroyed. */
const CLOSE_TIMEOUT_MS = 30_000;
/**
 * How long a connection whose FIN is out keeps reading (and discarding) while it waits for the
 * peer's FIN, before it closes anyway. Closing a socket with unread input makes the kernel send
 * an RST, and an RST makes the peer's kernel throw away replies its application has not read
 * yet; lingering until the peer's FIN (Apache's lingering close) lets them arrive intact.
 */
export const LINGER_MS = 2_000;

/**
 * What few connections use, kept off the connection itself so that each one carries a single
 * slot for all of it (every field is 8 bytes of every connection, idle ones included).
 */
class Seldom {
  /** The close timeout or the linger after our FIN. */
  closeTimer: DelayedCall | undefined = undefined;
  logger: Logger | undefined = undefined;
  /** `finished`, made on demand: most connections close without anyone awaiting them. */
  finished: Promise<void> | undefined = undefined;
  resolveFinished: (() => void) | undefined = undefined;
  /** Times a partial frame (slowloris); made on the first read that ends inside a frame. */
  frameTimer: FrameTimer | undefined = undefined;
}

/**
 * The transport-independent half of a stream connection (TCP, TLS, Unix, in-memory): write
 * gathering, flow control, the close state machine and close reasons. A subclass moves bytes
 * (`transport*` methods) and reports transport events (`received`, `drained`, `peerEnded`,
 * `transportClosed`).
 */
// Not `implements DispatchTarget, ReactorConnection, GatheredWrites`: those interfaces are internal
// and an implements clause would show them in the public typings. The shape is still checked where
// the connection is handed over (`connections.add(this)`, `dispatcher.start(this)`, `gather(this)`).
export abstract class StreamConnection extends Connection {
  /** Unique within the process, increasing from 1; the `conn` field of this connection's log records. */
  readonly id = nextId++;
  /** 'open', then 'closing' once a close begins, then 'closed' once the transport has closed; see `ConnectionState`. */
  state: ConnectionState = 'open';
  /**
   * Set by the first cause of the close only (an idle timeout, a failure, `destroy()`, the transport closing, or a clean end); undefined while open.
   */
  closeReason: CloseReason | undefined = undefined;
  /** `write`/`send` calls refused because the output was ended or the connection was ending or destroyed; each returned false. */
  droppedWrites = 0;
  // Every field is set here, undefined until used: a field first assigned later (the
  // dispatcher, a close timer, a logger) gives connections hidden classes that depend on their
  // history, and code that has seen several of them deoptimizes ('wrong map').
  private dispatcher: Dispatcher | undefined = undefined;
  private out: OutputChunks = objectChunks();
  /** Characters/bytes gathered in `out` (string length approximates bytes; close enough for a bound). */
  private outSize = 0;
  private batchDepth = 0;
  private pausedBy = 0;
  /**
   * @internal
   * ENDING | TRANSPORT_DONE | FINISHED | GATHERED | OUTPUT_ENDED | HELD | WRITE_BLOCKED, and a
   * transport's own bits from FIRST_TRANSPORT_FLAG up, packed: ten thousand idle connections
   * are so many fields lighter (each field is 8 bytes of every connection).
   */
  protected flags = 0;
  /** What few connections use (a close timer, a logger, ...); made on first use (see Seldom). */
  private seldom: Seldom | undefined = undefined;
  /** @internal Set by whoever opened the connection; runs once when it has closed. */
  onRelease: (() => void) | undefined = undefined;
  /** Activity counters for idle timeouts; only protocols with `@Protocol({ idle })` have one. */
  private idleState: IdleState | undefined = undefined;
  /** @internal The counters of the endpoint (listener, outbound, in-memory) this connection counts in. */
  stats: ConnectionStats = UNCOUNTED;
  /** @internal The listener's limiter that counted this connection open (see ConnectionLimiter.track). */
  limiter: ConnectionLimiter | undefined = undefined;
  /** @internal Its place in `reactor.connections` (see ConnectionList). */
  listSlot = -1;

  /** @internal Made by a transport (or the testing kit) for each accepted or dialled stream. */
  constructor(
    /** @internal */
    protected readonly reactor: Reactor,
    /** @internal */
    readonly codec: Codec<unknown, unknown>,
    /** @internal */
    protected readonly writeHighWaterMark: number,
  ) {
    super();
    // V8 takes a field no object of the class has reassigned yet for a constant, and code
    // optimized on that is thrown away when the first object changes it. The per-read path
    // reads `state`, `flags` and `pausedBy`, which only change when a connection stalls or
    // closes: at the first close the whole path (received, decodeRun, frame, emit, reply,
    // endBatch) deoptimized and was recompiled under load (`--trace-deopt`). Reassigned here,
    // they are variables from the first connection on. Line echo's first two 0.5 s slices after
    // the bench's warm-up read 0.94 and 0.93 of the hand-written server before, 1.03 and 0.99
    // after (means of 8 rounds).
    this.state = 'closed';
    this.state = 'open';
    this.flags = ENDING;
    this.flags = 0;
    this.pausedBy = PAUSED_BY_CLOSE;
    this.pausedBy = 0;
    reactor.connections.add(this);
  }

  /** Resolves once closed and its `@OnClose` handler has settled. */
  get finished(): Promise<void> {
    const seldom = this.more;
    seldom.finished ??= (this.flags & FINISHED) !== 0 ? Promise.resolve() : new Promise((resolve) => (seldom.resolveFinished = resolve));
    return seldom.finished;
  }

  /** The rarely used fields, made now if they were not. */
  private get more(): Seldom {
    return (this.seldom ??= new Seldom());
  }

  private finish(): void {
    this.flags |= FINISHED;
    this.seldom?.resolveFinished?.();
  }

  /** A logger bound to this connection's id and peer (created on first use). */
  get log(): Logger {
    const seldom = this.more;
    seldom.logger ??= this.reactor.logger.child({ conn: this.id, peer: `${this.remoteAddress}:${this.remotePort}` });
    return seldom.logger;
  }

  /** The protocol instance serving this connection (undefined until attached). */
  get protocol(): object | undefined {
    return this.dispatcher?.instance;
  }

  /** @internal Connects the dispatcher and runs `@OnConnect`. */
  attach(dispatcher: Dispatcher): void {
    this.dispatcher = dispatcher;
    // Without @OnConnect nothing runs before the first read: no batch to open and flush (a
    // connection's accept is ~200 instructions shorter; callgrind, connection churn).
    if (!dispatcher.startsWithHandler) return;
    this.beginBatch();
    try {
      dispatcher.start(this);
    } finally {
      this.endBatch();
    }
  }

  /** @internal Starts the protocol's idle timeouts (after `attach`). */
  watchIdle(limits: IdleLimits): void {
    this.idleState = this.reactor.idleWatch.watch(limits, (kind) => this.idleTimeout(kind));
  }

  private idleTimeout(kind: IdleEventKind): void {
    const d = this.dispatcher;
    if (this.state !== 'open' || d === undefined) return;
    this.beginBatch();
    try {
      d.idleTimeout(kind);
    } finally {
      this.endBatch();
    }
  }

  /** @internal An idle timeout fired and no `@OnIdle` keeps the connection: it ends with reason `timeout`. */
  timedOut(): void {
    if (this.state !== 'open') return;
    this.closeReason ??= { kind: 'timeout' };
    this.end();
  }

  /**
   * Frames (or raw chunks) received but never dispatched: queued or arriving when the connection began to close, or plaintext read after a STARTTLS upgrade began.
   */
  get discardedFrames(): number {
    return this.dispatcher?.discardedFrames ?? 0;
  }

  /** Frames received and waiting behind a busy handler or a full outgoing buffer. */
  get queuedFrames(): number {
    return this.dispatcher?.queued ?? 0;
  }

  /** Bytes the codec holds for an unfinished frame. */
  get decoderBytes(): number {
    return this.dispatcher?.bufferedBytes ?? 0;
  }

  // --- the Connection API -------------------------------------------------------------

  /**
   * Writes bytes, bypassing the codec (strings as UTF-8). During a read's batch they join that
   * batch's one socket write (flushed early once the gathered output reaches the high-water mark);
   * otherwise they go to the transport now. Returns false when the transport's buffer is full,
   * and when the write is dropped (output ended, connection ending or destroyed: see `droppedWrites`).
   */
  write(data: Buffer | Uint8Array | string): boolean {
    if ((this.flags & WRITE_SLOW_PATH) !== 0 && !this.beforeWrite()) return false;
    const bytes = typeof data === 'string' || Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (this.batchDepth > 0 || this.gathering()) {
      this.out.push(this.stringEncoding() === 'utf8' || typeof bytes !== 'string' ? bytes : Buffer.from(bytes, 'utf8'));
      this.outSize += bytes.length;
      if (this.outSize >= this.writeHighWaterMark) this.flush();
      return (this.flags & WRITE_BLOCKED) === 0;
    }
    // Raw writes are UTF-8, whatever the codec writes its own strings in.
    if (this.idleState !== undefined) this.idleState.writes++;
    if (!this.transportWrite(bytes, 'utf8')) this.blockWrites();
    return (this.flags & WRITE_BLOCKED) === 0;
  }

  /**
   * Encodes `value` with the protocol's codec into the gathered output, which is flushed with the
   * current batch (at once outside one, or early at the high-water mark). Throws what the codec's
   * `encode` throws; returns false as `write` does.
   */
  send(value: unknown): boolean {
    if ((this.flags & WRITE_SLOW_PATH) !== 0 && !this.beforeWrite()) return false;
    const out = this.out;
    const before = out.length;
    this.codec.encode(value, out);
    for (let i = before; i < out.length; i++) this.outSize += out[i].length;
    if ((this.batchDepth === 0 && !this.gathering()) || this.outSize >= this.writeHighWaterMark) this.flush();
    return (this.flags & WRITE_BLOCKED) === 0;
  }

  /**
   * Graceful close: reading stops and no further frame is dispatched (queued ones are dropped,
   * counted in `discardedFrames`); once the in-flight handler has settled, what was written is
   * flushed and the transport ended (destroyed if it cannot flush within 30 s). Reason: done,
   * unless a cause was set before. Does nothing unless open.
   */
  end(): void {
    if (this.state !== 'open') return;
    this.settleHeld(); // a broadcast held for this batch is delivered before the FIN
    this.state = 'closing';
    this.flags |= ENDING;
    this.setPaused(PAUSED_BY_CLOSE, true);
    this.dispatcher?.stop();
    this.maybeFinishEnd();
  }

  /**
   * Closes now: gathered output is discarded, in-flight handlers are not waited for, the transport is destroyed. Reason: aborted (with `error`), unless a cause was set before. Safe to call again.
   */
  destroy(error?: Error): void {
    if (this.transportDone() && this.state === 'closed') return;
    this.closeReason ??= { kind: 'aborted', error };
    this.state = this.state === 'closed' ? 'closed' : 'closing';
    this.dispatcher?.stop();
    this.flags |= TRANSPORT_DONE;
    if (this.out.length !== 0) this.out.length = 0;
    this.outSize = 0;
    this.transportDestroy(error);
  }

  /**
   * Half-close: flushes what was written (the current batch included), then sends FIN; reading
   * and dispatching go on. When the peer has already finished sending and everything it sent is
   * handled, the connection then closes. Does nothing unless open, or when already ended.
   */
  endOutput(): void {
    if (this.state !== 'open' || (this.flags & OUTPUT_ENDED) !== 0) return;
    this.settleHeld();
    this.flush(); // what was written (this batch included) goes before the FIN
    this.flags |= OUTPUT_ENDED;
    this.transportEndOutput();
    // The peer's FIN may have come (and @OnInputEnd run) already: both directions are done.
    const d = this.dispatcher;
    if (d !== undefined && d.idle) this.dispatchIdle();
  }

  /** True once `endOutput()` sent our FIN; later writes are dropped and counted. */
  get outputEnded(): boolean {
    return (this.flags & OUTPUT_ENDED) !== 0;
  }

  /** @internal The transport reported a full buffer; writes return false until it drains. */
  get writeBlocked(): boolean {
    return (this.flags & WRITE_BLOCKED) !== 0;
  }

  /** False from the write that filled the outgoing buffer until it drains, and once writes are refused (output ended, closing, closed). */
  get writable(): boolean {
    return (this.flags & (WRITE_BLOCKED | NO_MORE_WRITES)) === 0;
  }

  /** Bytes gathered for this batch plus those the transport holds unsent (strings counted by length). */
  get bufferedBytes(): number {
    return this.outSize + this.transportBufferedBytes;
  }

  /** Stops reading from the peer (so nothing more is decoded or dispatched) until `resume()`. */
  pause(): void {
    this.setPaused(PAUSED_BY_USER, true);
  }

  /** Lifts `pause()`; reading restarts once no other reason holds it paused (a full outgoing buffer, a full frame queue, a close). */
  resume(): void {
    this.setPaused(PAUSED_BY_USER, false);
  }

  // --- for the dispatcher and the reactor ----------------------------------------------

  /** @internal For the dispatcher, the reactor and transports. */
  beginBatch(): void {
    this.batchDepth++;
    this.reactor.beginBatch();
  }

  /** @internal For the dispatcher, the reactor and transports. */
  endBatch(): void {
    if (--this.batchDepth === 0) {
      this.flush();
      if ((this.flags & ENDING) !== 0) this.maybeFinishEnd();
    }
    this.reactor.endBatch();
  }

  /** @internal For the dispatcher, the reactor and transports. */
  flushGathered(): void {
    this.flags &= ~GATHERED;
    if (this.batchDepth === 0) this.flush();
  }

  /** @internal A group's held broadcast includes this connection (on), or was written to it (off). */
  setHeld(on: boolean): void {
    if (on) this.flags |= HELD;
    else this.flags &= ~HELD;
  }

  /** @internal For the dispatcher, the reactor and transports. */
  allowLog(kind: string): boolean {
    return this.reactor.logLimiter.allow(kind);
  }

  /** @internal For the dispatcher, the reactor and transports. */
  setQueueFull(full: boolean): void {
    this.setPaused(PAUSED_BY_QUEUE, full);
  }

  /** @internal For the dispatcher, the reactor and transports. */
  dispatchIdle(): void {
    const d = this.dispatcher;
    if ((this.flags & ENDING) !== 0) this.maybeFinishEnd();
    else if (d !== undefined && this.state === 'open' && d.shouldEnd((this.flags & OUTPUT_ENDED) !== 0)) this.end();
  }

  /**
   * @internal Graceful shutdown (reactor.stop): stop reading, finish queued frames and the
   * handler in flight, run `@OnShutdown`, then end (its reply and the FIN in one write).
   */
  shutdown(): void {
    if (this.state !== 'open') return;
    this.setPaused(PAUSED_BY_CLOSE, true);
    const d = this.dispatcher;
    if (d === undefined) {
      this.end();
      return;
    }
    this.beginBatch();
    try {
      d.shutdown();
    } finally {
      this.endBatch();
    }
  }

  /** @internal The protocol class serving this connection, for the shutdown report. */
  get protocolName(): string | undefined {
    return this.dispatcher?.protocolName;
  }

  /** @internal For the dispatcher, the reactor and transports. */
  closeWithError(error: Error): void {
    if (this.state === 'closed') return;
    this.settleHeld();
    this.closeReason ??= { kind: 'error', error };
    this.state = 'closing';
    this.flags |= ENDING;
    this.setPaused(PAUSED_BY_CLOSE, true);
    this.dispatcher?.stop();
    this.maybeFinishEnd();
  }

  // --- for subclasses: transport events -------------------------------------------------

  /**
   * @internal
   * The byte stream is about to change hands (STARTTLS): what was written so far leaves now, in
   * the old stream, and input not yet dispatched is dropped (see Dispatcher.resetInput).
   */
  protected restartInput(): void {
    this.settleHeld();
    this.flush();
    this.dispatcher?.resetInput();
  }

  /** @internal True while something (user, full buffer, queue, close) holds reading paused. */
  protected get readingPaused(): boolean {
    return this.pausedBy !== 0;
  }

  /** @internal Bytes from the peer. Everything written while handling them leaves in one write. */
  protected received(chunk: Buffer): void {
    const dispatcher = this.dispatcher;
    if (dispatcher === undefined) return; // the protocol could not be built; the connection is ending
    if (this.idleState !== undefined) this.idleState.reads++;
    this.stats.bytesIn += chunk.length;
    const frameTimeoutMs = dispatcher.frameTimeoutMs;
    const before = frameTimeoutMs === 0 ? 0 : dispatcher.bufferedBytes;
    this.beginBatch();
    try {
      dispatcher.onChunk(chunk);
    } finally {
      this.endBatch();
    }
    if (frameTimeoutMs !== 0 && this.state === 'open') this.timePartialFrame(dispatcher, before, chunk.length, frameTimeoutMs);
  }

  /**
   * After a read: a decoder left holding part of a frame starts (or keeps) the frame timer. The
   * frame began now if bytes of this read completed a frame (the decoder holds less than it
   * held plus what came), else it is still the one begun earlier.
   */
  private timePartialFrame(dispatcher: Dispatcher, before: number, length: number, timeoutMs: number): void {
    const after = dispatcher.bufferedBytes;
    let timer = this.seldom?.frameTimer;
    if (after === 0) {
      timer?.stop();
      return;
    }
    timer ??= this.more.frameTimer = new FrameTimer(this.reactor.idleWatch, timeoutMs, () => this.frameTimedOut());
    if (!timer.active || after < before + length) timer.start();
  }

  /** The frame timer ran out; false (postponed) while we, not the peer, hold reading paused. */
  private frameTimedOut(): boolean {
    const d = this.dispatcher;
    if (this.state !== 'open' || d === undefined) return true;
    if (this.pausedBy !== 0) return false;
    const error = new FrameTimeoutError((this.seldom?.frameTimer as FrameTimer).timeoutMs, d.bufferedBytes);
    this.closeReason ??= { kind: 'timeout', error };
    this.beginBatch();
    try {
      d.frameTimedOut(error);
    } finally {
      this.endBatch();
    }
    return true;
  }

  /** @internal The outgoing buffer drained below its high-water mark. */
  protected drained(): void {
    if ((this.flags & WRITE_BLOCKED) === 0) return;
    this.flags &= ~WRITE_BLOCKED;
    this.setPaused(PAUSED_BY_WRITES, false);
    this.beginBatch();
    try {
      this.dispatcher?.onDrain();
    } finally {
      this.endBatch();
    }
  }

  /** @internal The peer will send no more (FIN). Replies to what it sent are still written. */
  protected peerEnded(): void {
    if (this.dispatcher === undefined) this.end();
    else this.dispatcher.onInputEnd();
  }

  /** @internal The transport is closed; `kind` applies unless a reason was already set by us. */
  protected transportClosed(kind: 'done' | 'lost', error?: Error): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.flags |= TRANSPORT_DONE;
    this.closeReason ??= { kind, error };
    const stats = this.stats;
    stats.open--;
    stats.countClose(this.closeReason.kind);
    // Bytes out are the transport's own count, read once here (and by the metrics scrape while
    // open): measuring every written string (Buffer.byteLength) flattened the gathered replies
    // and cost ~20% of the line-echo path.
    stats.bytesOut += this.bytesSent;
    const seldom = this.seldom;
    if (seldom !== undefined) {
      seldom.closeTimer?.cancel();
      seldom.frameTimer?.stop();
    }
    if (this.idleState !== undefined) this.reactor.idleWatch.unwatch(this.idleState);
    this.reactor.connections.delete(this);
    // Whatever the reason, and before any handler runs: the listener's place is free again.
    if (this.limiter !== undefined) this.limiter.release(this);
    this.dispatcher?.closed(this.closeReason);
    this.released();
    const handler = this.dispatcher?.closeHandler;
    if (handler === undefined) this.finish();
    else void handler.then(() => this.finish());
  }

  /** Called once closed: releases per-connection resources (the DI scope). */
  private released(): void {
    const release = this.onRelease;
    this.onRelease = undefined;
    release?.();
  }

  /** @internal Bytes written to the peer so far, as the transport counts them (strings as encoded). */
  abstract readonly bytesSent: number;

  /** @internal Bytes handed to the transport and not yet sent to the peer. */
  protected abstract readonly transportBufferedBytes: number;

  /** @internal Writes bytes, or a string in `encoding`; false when the buffer is over its high-water mark. */
  protected abstract transportWrite(data: Buffer | string, encoding: 'utf8' | 'latin1'): boolean;
  /** @internal Flush, then close (FIN). */
  protected abstract transportEnd(): void;
  /**
   * @internal
   * When both directions are done (the peer's FIN is in, and every byte written is with the
   * transport's kernel), closes the transport at once and returns true: there is nothing to
   * flush and no peer to wait for, so neither `transportEnd` nor a close timeout is needed.
   * Otherwise does nothing and returns false.
   */
  protected transportCloseIfDone(): boolean {
    return false;
  }
  /** @internal Flush, then send FIN and keep reading (half-close). */
  protected abstract transportEndOutput(): void;
  /** @internal Closes at once, discarding unwritten data. */
  protected abstract transportDestroy(error?: Error): void;
  /** @internal Starts or stops reading from the peer. */
  protected abstract transportSetReading(reading: boolean): void;

  // --- internals ------------------------------------------------------------------------

  /**
   * A write's slow path (see WRITE_SLOW_PATH): false when it is dropped (output ended, ending or
   * destroyed: counted); otherwise the held broadcast this connection is in is written first.
   */
  private beforeWrite(): boolean {
    if ((this.flags & NO_MORE_WRITES) !== 0) {
      this.droppedWrites++;
      return false;
    }
    this.settleHeld();
    return true;
  }

  /** A group's broadcast held with this connection among its members goes out now (see Reactor.held). */
  private settleHeld(): void {
    if ((this.flags & HELD) !== 0) this.reactor.settleHeld();
  }

  /** The transport was told to end or was destroyed: later writes are dropped. */
  private transportDone(): boolean {
    return (this.flags & TRANSPORT_DONE) !== 0;
  }

  /**
   * True when a write outside our own batch must be gathered because another connection's batch
   * is open; the first such write asks the reactor to flush us when that batch ends.
   */
  private gathering(): boolean {
    if (!this.reactor.batching) return false;
    if ((this.flags & GATHERED) === 0) {
      this.flags |= GATHERED;
      this.reactor.gather(this);
    }
    return true;
  }

  /** How string pieces are written: the codec's `stringEncoding`. */
  private stringEncoding(): 'utf8' | 'latin1' {
    return this.codec.stringEncoding ?? 'utf8';
  }

  private maybeFinishEnd(): void {
    if (this.transportDone() || this.batchDepth > 0 || this.dispatcher?.busy) return;
    this.closeReason ??= DONE;
    this.flush();
    this.flags |= TRANSPORT_DONE;
    // The usual close: the peer hung up first and every reply is out. No close timeout either:
    // a timer made and cancelled per connection was ~5% of a connection's cost.
    if (this.transportCloseIfDone()) return;
    // A peer that never reads could hold a flushing socket open forever. Armed first: the
    // transport may report its FIN out (outputFlushed) from inside transportEnd.
    this.more.closeTimer = this.reactor.callLater(CLOSE_TIMEOUT_MS, () => this.transportDestroy());
    this.transportEnd();
  }

  /**
   * @internal
   * The transport has flushed everything and sent our FIN (after `transportEnd`): keep reading
   * and discarding until the peer's FIN closes the connection, or for `LINGER_MS` at most.
   */
  protected outputFlushed(): void {
    if (this.state === 'closed') return;
    const seldom = this.more;
    seldom.closeTimer?.cancel();
    seldom.closeTimer = this.reactor.callLater(LINGER_MS, () => this.transportDestroy());
  }

  private flush(): void {
    const out = this.out;
    const n = out.length;
    if (n === 0) return;
    const data = n === 1 ? out[0] : gather(out, this.stringEncoding());
    // pop() for a reply's one or two pieces. A larger batch takes a fresh array and lets this
    // one go: `length = 0` is a call into the runtime (~270 instructions; line echo, 16 lines a
    // read: 17 a line), and keeping the backing store (pop() every piece) cost more once the
    // store was old, every push of a young string into it a write barrier (+74 a line).
    if (n <= 2) for (let i = 0; i < n; i++) out.pop();
    else this.out = objectChunks();
    this.outSize = 0;
    if (this.transportDone()) {
      this.droppedWrites++;
      return;
    }
    if (this.idleState !== undefined) this.idleState.writes++;
    const encoding = this.stringEncoding();
    if (!this.transportWrite(data, encoding)) this.blockWrites();
  }

  private blockWrites(): void {
    if ((this.flags & WRITE_BLOCKED) !== 0) return;
    this.flags |= WRITE_BLOCKED;
    this.stats.writeBlocks++;
    // A server stops reading requests it cannot answer. A request client must not: its server
    // stops reading our requests once its replies back up, so both would wait forever. Its
    // replies cost no writes, and its other frames still queue within maxQueuedFrames.
    if (this.dispatcher?.readsWhileWriteBlocked !== true) this.setPaused(PAUSED_BY_WRITES, true);
  }

  private setPaused(reason: number, on: boolean): void {
    const before = this.pausedBy;
    this.pausedBy = on ? before | reason : before & ~reason;
    if ((before === 0) !== (this.pausedBy === 0) && !this.transportDone()) this.transportSetReading(this.pausedBy === 0);
  }
}

/**
 * One write for many pieces: strings joined as strings, anything else as one Buffer.
 * Concatenation builds a rope that the socket write flattens once; `join` would copy first.
 * Batches of 64 pieces and more used to be joined, and the last joined batch kept for members
 * of a broadcast given the same pieces; a group now writes its members one held text (see
 * HeldLines), and line echo at 64 lines a read read 0.92 and 0.95 of the hand-written server
 * with the join, 0.95 and 0.96 with the rope.
 */
function gather(out: OutputChunks, encoding: 'utf8' | 'latin1'): Buffer | string {
  let strings = true;
  for (let i = 0; i < out.length; i++) {
    if (typeof out[i] !== 'string') {
      strings = false;
      break;
    }
  }
  if (strings) {
    let joined = '';
    for (let i = 0; i < out.length; i++) joined += out[i] as string;
    return joined;
  }
  const buffers: Buffer[] = new Array(out.length);
  let total = 0;
  for (let i = 0; i < out.length; i++) {
    const piece = out[i];
    buffers[i] = typeof piece === 'string' ? Buffer.from(piece, encoding) : piece;
    total += buffers[i].length;
  }
  return Buffer.concat(buffers, total);
}

/**
 * An empty array whose elements are already objects, with room for a reply's two pieces (a
 * delimited codec's bytes and its delimiter, a length prefix and its payload): growing a
 * one-slot array to its next size (19 slots) cost every connection of the connection-rate drive
 * a 168-byte backing store. A `[]` literal starts with small-integer elements and changes kind
 * at its first push, so under connection churn the codecs' `out.push` sites see two array maps.
 * Measured (callgrind, line echo): in a window that began on fresh connections the generic push
 * builtin cost 151 instructions a line, and none with this; on connections kept from the
 * warm-up both read the same (3,002 and 2,990 a line).
 */
function objectChunks(): OutputChunks {
  const out: OutputChunks = ['', ''];
  out.pop();
  out.pop();
  return out;
}
