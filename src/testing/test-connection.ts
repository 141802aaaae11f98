import type { Codec, FrameSink } from '../codec/codec';
import type { CloseReason } from '../transport/connection';
import type { RefuseReason } from '../transport/listener-stats';
import { SettleError } from './errors';
import type { MemoryConnection } from './memory-connection';
import { drive } from './memory-loop';
import { splitBytes, type Split } from './split';
import { nextTurn } from './turns';

/** Options of `TestConnection.send`. */
export interface SendOptions {
  /** How to cut the input into reads (see `Split`); default one read. */
  split?: Split;
}

/** Options of `settle()`. */
export interface SettleOptions {
  /** Event-loop turns to wait at most before throwing `SettleError`. Default 1000. */
  maxTurns?: number;
}

const DEFAULT_MAX_TURNS = 1000;

/**
 * One in-memory connection to a protocol of a testing app, seen from the peer's side: what
 * `t.connect(Protocol)` returns. The protocol instance was built in the connection's own DI
 * scope and is driven by the production dispatcher and codec; the test plays the peer.
 *
 * Everything that happens synchronously (sync handlers, replies, closes) is done when a call
 * returns; for async handlers, `await c.settle()`.
 *
 * @typeParam T the protocol class's instance type.
 * @example
 * const c = t.connect(Echo);
 * c.send('hello\nwor');
 * c.send('ld\n', { split: 1 });             // byte by byte
 * expect(c.frames()).toEqual(['hello', 'world']);
 * c.peerClose();
 * expect(c.closeReason?.kind).toBe('done');
 */
export class TestConnection<T = unknown> {
  /** Resolves with the close reason once closed and `@OnClose` has settled. */
  readonly finished: Promise<CloseReason>;

  /** @internal Made by `TestingApp.connect` / `connectPair`. */
  constructor(
    /** The protocol instance serving this connection (undefined when the connection was `refused`). */
    readonly protocol: T,
    /** The connection the protocol talks to (the same object it injects as `Connection`). */
    readonly connection: MemoryConnection,
    private readonly codec: Codec<unknown, unknown>,
    /**
     * Set when the listener's limits refused this connection (`maxConnections` or
     * `maxConnectionsPerPeer`): it is closed, no protocol was built, and what the peer received
     * is the listener's `refuseMessage`.
     */
    readonly refused: RefuseReason | undefined = undefined,
  ) {
    this.finished = connection.finished.then(() => connection.closeReason as CloseReason);
  }

  /**
   * The peer sends `data` (a string is UTF-8 encoded): one read, or several per
   * `options.split`, each dispatched like a socket read (replies of one read leave in one write).
   * Input sent while the connection is not reading is held and read on resume, in order.
   */
  send(data: Uint8Array | string, options: SendOptions = {}): void {
    // A copy: frames may be views kept by the decoder, and the caller may reuse its buffer.
    const chunks = splitBytes(typeof data === 'string' ? data : Buffer.from(data), options.split);
    drive(() => {
      for (const chunk of chunks) this.connection.receive(chunk);
    });
  }

  /** Every byte the protocol wrote (since creation or `clear()`), concatenated. */
  written(): Buffer {
    return Buffer.concat(this.connection.writtenChunks);
  }

  /** `written()` as UTF-8 text. */
  text(): string {
    return this.written().toString('utf8');
  }

  /**
   * The written bytes decoded into frames, by the protocol's own codec unless another is given
   * (for a protocol whose replies are framed differently from its requests). A trailing
   * incomplete frame is left out; an undecodable one throws its error.
   *
   * @typeParam F the frame type, e.g. `string` for a lines codec.
   */
  frames<F = unknown>(codec?: Codec<F, unknown>): F[] {
    const decoder = (codec ?? (this.codec as Codec<F, unknown>)).createDecoder();
    const frames: F[] = [];
    const sink: FrameSink<F> = {
      frame: (frame) => frames.push(frame),
      frameError: (error) => {
        throw error;
      },
    };
    for (const chunk of this.connection.writtenChunks) decoder.decode(chunk, sink);
    return frames;
  }

  /** Forgets what was written so far, so `written()`/`frames()` show only what comes next. */
  clear(): void {
    this.connection.clearWritten();
  }

  /** The peer ends its side cleanly (FIN): once the frames it sent are handled, the connection closes with reason 'done'. */
  peerClose(): void {
    this.connection.peerEnd();
  }

  /** The peer resets the connection (RST): it closes at once with reason 'lost'. */
  peerReset(): void {
    this.connection.peerReset();
  }

  /**
   * Simulates a peer that stops reading (false): writes report a full buffer and the connection
   * applies its backpressure (stops reading, dispatches nothing; input sent meanwhile is held).
   * true: the buffer drains, `@OnDrain` runs and dispatch resumes where it stopped.
   */
  setWritable(writable: boolean): void {
    this.connection.setWritable(writable);
  }

  /** True once the connection is fully closed. */
  get closed(): boolean {
    return this.connection.state === 'closed';
  }

  /** How the connection ended ('done' | 'lost' | 'aborted' | 'error', with the error); undefined while open. */
  get closeReason(): CloseReason | undefined {
    return this.connection.closeReason;
  }

  /**
   * Waits until the connection is idle: no async handler in flight, nothing queued that can run,
   * and (once closed) `@OnClose` settled. Waits turns of the event loop, never real timers: if a
   * handler waits on the virtual clock, advance it instead; after `maxTurns` this throws
   * `SettleError` saying what is still busy.
   */
  async settle(options: SettleOptions = {}): Promise<void> {
    await settleAll([this.connection], options);
  }
}

/** Waits until every connection is idle (see `TestConnection.settle`). */
export async function settleAll(connections: Iterable<MemoryConnection>, options: SettleOptions = {}): Promise<void> {
  const maxTurns = options.maxTurns ?? DEFAULT_MAX_TURNS;
  const list = [...connections];
  for (let turn = 0; turn < maxTurns; turn++) {
    await nextTurn();
    const busy = list.find((c) => !c.idle);
    if (busy === undefined) return;
  }
  const busy = list.find((c) => !c.idle);
  if (busy !== undefined) throw new SettleError(maxTurns, busy.describeBusy());
}
