import type { Decoder, FrameSink } from './codec';
import { TorsionError } from '../errors';

/**
 * @internal
 * The key of `FrameDecoder[REUSABLE]`. A symbol the package does not export, so only the
 * built-in decoders can answer it: a codec's own decoder, whatever its fields are called, is
 * never lent to another connection.
 */
export const REUSABLE: unique symbol = Symbol('torsion:reusable-decoder');

/** Smallest accumulator allocated for a retained tail (tails are usually a few bytes). */
const MIN_CAPACITY = 256;

/**
 * The base of every framing decoder (Netty's ByteToMessageDecoder): it owns the unfinished
 * tail of the stream, the decode loop and its guards; a subclass only implements
 * `decodeFrame`, which either emits one frame (or one `frameError`) and says how many bytes
 * it consumed, or says "not yet" by returning 0 and emitting nothing.
 *
 * Buffering: frames found inside one chunk are views (`subarray`) of that chunk. Only a frame
 * that spans chunks is assembled, in an accumulator that grows by doubling (so a large frame
 * arriving in many small chunks costs linear, not quadratic, copying) and is capped near
 * `maxRetainedBytes`. Bytes of the accumulator that were handed to the subclass are never
 * overwritten afterwards: once anything is consumed from it, the unconsumed remainder moves
 * to a fresh buffer, so frames that are views of it stay valid.
 *
 * Progress: a subclass may remember how far it already scanned the unfinished frame (so that
 * a frame arriving byte by byte is not rescanned from its start every time). Offsets relative
 * to `start` stay valid across calls, because the retained tail always begins at the first
 * unconsumed byte.
 *
 * Failure: any exception escaping `decode` (the codec's `FrameTooLargeError`/`ProtocolError`,
 * the guard's `TorsionError`, or one thrown by the sink) leaves the decoder failed: its
 * buffer is released and every later `decode` call rethrows that same error.
 */
// Also the counting FrameSink passed to decodeFrame (checked there); not in the implements clause,
// whose @internal frame/frameError the public typings drop.
export abstract class FrameDecoder<F> implements Decoder<F> {
  /**
   * The decoder is itself the sink handed to `decodeFrame`: it forwards to the sink of the
   * current `decode` call and counts what it forwards, so the loop can tell "a frame without
   * consuming bytes" apart from "not yet" (no extra object per connection, none per frame).
   */
  private target: FrameSink<F> | null = null;
  private emitted = 0;
  /** Holds the unfinished tail in `[0, tailLength)`; the rest is spare capacity. */
  private acc: Buffer | null = null;
  private tailLength = 0;
  private decoding = false;
  private failure: unknown = null;

  /**
   * @param codecName for error messages
   * @param maxRetainedBytes the most a well-behaved stream makes the subclass retain (its
   *   maximum frame on the wire); caps the accumulator's growth, it is not enforced here.
   */
  protected constructor(
    protected readonly codecName: string,
    private readonly maxRetainedBytes: number,
  ) {}

  /** {@inheritDoc Decoder.bufferedBytes} */
  get bufferedBytes(): number {
    return this.tailLength;
  }

  /** True once `decode` has thrown; the decoder then only rethrows that error. */
  get failed(): boolean {
    return this.failure !== null;
  }

  /**
   * @internal
   * True when the decoder holds nothing of its stream, so that it may decode the next chunk of
   * another connection (see DecoderPool). Only a subclass that knows all its own state can say
   * so: the default is false (a codec's own subclass keeps its decoder per connection).
   */
  get [REUSABLE](): boolean {
    return false;
  }

  /** @internal No unfinished frame is held and `decode` has not failed. */
  protected get holdsNoTail(): boolean {
    return this.tailLength === 0 && this.failure === null;
  }

  /**
   * Looks for one frame in `buf[start..buf.length)` (`buf.length` is always the end of the
   * available bytes, so `buf.indexOf` never reads past them).
   * Returns the bytes consumed, after emitting at most one frame or frameError to `sink`;
   * or 0, having emitted nothing, when more bytes are needed. Consuming bytes without
   * emitting (a skipped blank line, discarded overflow) is allowed. Throws when the stream
   * cannot continue, after checking any declared length against the maximum *before*
   * asking for the payload to be buffered.
   */
  protected abstract decodeFrame(buf: Buffer, start: number, sink: FrameSink<F>): number;

  /** {@inheritDoc Decoder.decode} */
  decode(chunk: Buffer, sink: FrameSink<F>): void {
    if (this.failure !== null) throw this.failure;
    if (this.decoding) {
      throw new TorsionError('TORSION_ERR_DECODER', `${this.codecName}: decode() was called again from inside a frame handler; feed chunks one at a time`);
    }
    this.decoding = true;
    this.target = sink;
    try {
      if (this.tailLength === 0) {
        const pos = this.run(chunk, 0);
        if (pos < chunk.length) this.retain(chunk, pos);
      } else {
        this.append(chunk);
        const view = (this.acc as Buffer).subarray(0, this.tailLength);
        const pos = this.run(view, 0);
        if (pos > 0) {
          this.acc = null;
          this.tailLength = 0;
          if (pos < view.length) this.retain(view, pos);
        }
      }
    } catch (error) {
      this.failure = error;
      this.acc = null;
      this.tailLength = 0;
      throw error;
    } finally {
      this.decoding = false;
      this.target = null;
    }
  }

  /** @internal the counting sink of `decodeFrame` */
  frame(frame: F): void {
    this.emitted++;
    (this.target as FrameSink<F>).frame(frame);
  }

  /** @internal the counting sink of `decodeFrame` */
  frameError(error: Error): void {
    this.emitted++;
    (this.target as FrameSink<F>).frameError(error);
  }

  /**
   * Where the decode loop starts: a subclass may first take a run of simple frames itself,
   * trusted (no per-frame guard), emitting straight to `sink`, and return the position it
   * reached; the guarded loop then goes on from there. Default: nothing taken.
   */
  protected decodeRun(_buf: Buffer, start: number, _sink: FrameSink<F>): number {
    return start;
  }

  private run(buf: Buffer, start: number): number {
    const end = buf.length;
    let pos = this.decodeRun(buf, start, this.target as FrameSink<F>);
    while (pos < end) {
      const before = this.emitted;
      const consumed = this.decodeFrame(buf, pos, this);
      if (consumed === 0) {
        if (this.emitted !== before) {
          throw new TorsionError('TORSION_ERR_DECODER', `${this.codecName}: decodeFrame emitted a frame without consuming any bytes (it would loop forever)`);
        }
        break;
      }
      if (!Number.isInteger(consumed) || consumed < 0 || consumed > end - pos) {
        throw new TorsionError('TORSION_ERR_DECODER', `${this.codecName}: decodeFrame reported ${consumed} bytes consumed, but ${end - pos} were available`);
      }
      if (this.emitted - before > 1) {
        throw new TorsionError('TORSION_ERR_DECODER', `${this.codecName}: decodeFrame emitted ${this.emitted - before} frames in one call; emit one and return`);
      }
      pos += consumed;
    }
    return pos;
  }

  /** Copies `buf[from..)` into a fresh accumulator: the caller's buffer may be reused or viewed. */
  private retain(buf: Buffer, from: number): void {
    const length = buf.length - from;
    const acc = Buffer.allocUnsafe(Math.max(length, Math.min(MIN_CAPACITY, this.maxRetainedBytes)));
    buf.copy(acc, 0, from);
    this.acc = acc;
    this.tailLength = length;
  }

  /** Appends past the tail, growing by doubling (capped) when the chunk does not fit. */
  private append(chunk: Buffer): void {
    const acc = this.acc as Buffer;
    const needed = this.tailLength + chunk.length;
    if (needed > acc.length) {
      const doubled = Math.min(acc.length * 2, this.maxRetainedBytes + chunk.length);
      const grown = Buffer.allocUnsafe(Math.max(needed, doubled));
      acc.copy(grown, 0, 0, this.tailLength);
      this.acc = grown;
    }
    chunk.copy(this.acc as Buffer, this.tailLength);
    this.tailLength = needed;
  }
}
